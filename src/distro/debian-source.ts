// ifupdown reads only /etc/network/interfaces; the per-NIC files the agent writes to
// /etc/network/interfaces.d/ count only if the main file sources that directory. Debian's
// default has `source /etc/network/interfaces.d/*` (older: `source-directory interfaces.d`),
// but images built by hand sometimes lack it. The caller warns; the agent never edits the
// main file (it is not ours).

import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';

export interface InterfacesSourceCheck {
  /** True when the main file sources interfaces.d (the agent's files are read at boot). */
  sourced: boolean;
  /** The main file checked, under the root. */
  file: string;
  /** The line that sources the directory, or why none was found. */
  detail: string;
}

const DIR = '/etc/network/interfaces.d';

/** Does this `source`/`source-directory` argument cover every file in interfaces.d? */
function coversDir(keyword: string, arg: string): boolean {
  // ifupdown resolves relative paths against /etc/network (the main file's directory).
  const abs = posix.normalize(arg.startsWith('/') ? arg : `/etc/network/${arg}`).replace(/\/+$/, '');
  if (keyword === 'source-directory') return abs === DIR;
  return abs === `${DIR}/*`;
}

/** Pure part: does this /etc/network/interfaces text source interfaces.d? Returns the line. */
export function findInterfacesDirSource(text: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(source|source-directory)\s+(\S+)$/.exec(line);
    if (m && coversDir(m[1]!, m[2]!)) return line;
  }
  return undefined;
}

/** Check `<root>/etc/network/interfaces`. A missing or unreadable file counts as not sourced. */
export async function checkInterfacesSourcesDir(root: string): Promise<InterfacesSourceCheck> {
  const file = posix.join(root === '' ? '/' : root, '/etc/network/interfaces');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return { sourced: false, file, detail: `cannot read ${file} (${code}); files in ${DIR} are not read at boot` };
  }
  const line = findInterfacesDirSource(text);
  return line !== undefined
    ? { sourced: true, file, detail: line }
    : {
        sourced: false,
        file,
        detail: `${file} does not source ${DIR} (add "source ${DIR}/*"); the agent's files are not read at boot`,
      };
}
