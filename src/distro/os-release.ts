// Parser for os-release(5): `KEY=value` lines, values optionally in double or single quotes,
// shell-style backslash escapes inside double quotes, `#` comments and blank lines ignored.
// Real files differ (Debian leaves ID unquoted, Alinux quotes it, Tumbleweed has commented-out
// keys), so the parser accepts every form the spec allows and ignores lines it cannot read.

export interface OsRelease {
  /** Lower-case ID (`centos`, `alinux`, `ubuntu`); `linux` when absent, as the spec says. */
  id: string;
  /** ID_LIKE split on whitespace, lower-case, in order. */
  idLike: string[];
  versionId?: string;
  /** Every key read, unquoted. */
  fields: Record<string, string>;
}

function unquote(raw: string): string | undefined {
  const value = raw.trim();
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"')) return undefined;
    return value.slice(1, -1).replace(/\\([\\$"`])/g, '$1');
  }
  if (value.startsWith("'")) {
    if (value.length < 2 || !value.endsWith("'")) return undefined;
    return value.slice(1, -1);
  }
  // Unquoted values may not contain whitespace or shell specials; take them as they are.
  return value;
}

export function parseOsRelease(text: string): OsRelease {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed);
    if (!m) continue;
    const value = unquote(m[2]!);
    if (value !== undefined) fields[m[1]!] = value;
  }
  const id = (fields.ID ?? 'linux').trim().toLowerCase();
  const idLike = (fields.ID_LIKE ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((s) => s !== '');
  return { id, idLike, ...(fields.VERSION_ID !== undefined ? { versionId: fields.VERSION_ID.trim() } : {}), fields };
}
