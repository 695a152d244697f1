// Configuration: YAML on disk, validated against a strict schema. An unknown or mistyped key
// is an error that names the key and its line; a missing file means all defaults.

import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import cron from 'node-cron';

const hexMask = z.string().regex(/^(0x)?[0-9a-fA-F]{1,8}(,[0-9a-fA-F]{1,8})*$/, 'expected auto, seed, all, off or a hex CPU mask');

const metadataSchema = z
  .object({
    endpoint: z.string().url().default('http://100.100.100.200'),
    token: z.enum(['auto', 'required', 'off']).default('auto'),
    timeoutMs: z.number().int().min(100).max(60000).default(2000),
    retries: z.number().int().min(0).max(10).default(3),
    tokenTtlSeconds: z.number().int().min(1).max(21600).default(21600),
    maxResponseBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  })
  .strict();

const routingSchema = z
  .object({
    tableBase: z.number().int().min(1).max(2_000_000_000).default(1000),
    metricBase: z.number().int().min(0).max(2_000_000_000).default(1000),
    rulePriorityBase: z.number().int().min(1).max(32000).default(30000),
  })
  .strict()
  .refine((r) => r.tableBase + 255 < 2 ** 31 && ![253, 254, 255].some((t) => t >= r.tableBase && t <= r.tableBase + 255), {
    message: 'tableBase range (tableBase..tableBase+255) must not include the reserved tables 253-255',
  })
  .refine((r) => r.rulePriorityBase + 255 < 32766, { message: 'rulePriorityBase + 255 must stay below 32766 (the main rule)' });

const tuningSchema = z
  .object({
    multiqueue: z.boolean().default(true),
    maxChannels: z.number().int().min(1).max(1024).nullable().default(null),
    irqbalance: z.boolean().default(true),
    rps: z.union([z.enum(['auto', 'seed', 'all', 'off']), hexMask]).default('auto'),
    rfs: z.union([z.literal(false), z.object({ entries: z.number().int().min(1).max(1 << 24).default(32768) }).strict()]).default(false),
    includePrimary: z.boolean().default(true),
  })
  .strict();

const daemonSchema = z
  .object({
    schedule: z
      .string()
      .refine((s) => cron.validate(s), { message: 'not a valid node-cron expression' })
      .default('* * * * *'),
    watchLinks: z.boolean().default(true),
    debounceMs: z.number().int().min(0).max(60000).default(300),
    pendingRetrySeconds: z.number().int().min(0).max(3600).default(300),
  })
  .strict();

const logSchema = z
  .object({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    format: z.enum(['text', 'json']).default('text'),
  })
  .strict();

export const configSchema = z
  .object({
    metadata: metadataSchema.default(() => metadataSchema.parse({})),
    addressing: z.enum(['dhcp', 'static']).default('dhcp'),
    distro: z.enum(['auto', 'rhel', 'debian', 'suse', 'netplan']).default('auto'),
    routing: routingSchema.default(() => routingSchema.parse({})),
    tuning: tuningSchema.default(() => tuningSchema.parse({})),
    daemon: daemonSchema.default(() => daemonSchema.parse({})),
    metrics: z
      .object({ textfile: z.string().min(1).nullable().default('/var/lib/node_exporter/textfile_collector/eni_agent.prom') })
      .strict()
      .default({ textfile: '/var/lib/node_exporter/textfile_collector/eni_agent.prom' }),
    stateDir: z.string().min(1).default('/var/lib/eni-agent'),
    ifupTimeoutMs: z.number().int().min(1000).max(600000).default(60000),
    log: logSchema.default(() => logSchema.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function defaultConfig(): Config {
  return configSchema.parse({});
}

/** Validate parsed YAML text; `source` names the file in error messages. */
export function parseConfigText(text: string, source: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0];
    throw new ConfigError(`${source}${pos ? `:${pos.line}` : ''}: YAML syntax error: ${err.message.split('\n')[0]}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${source}: the configuration must be a YAML mapping of sections`);
  }
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    path = [...path, key];
    message = 'unknown key';
  }
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  // For an unknown key, point at the key itself; its value node may be elsewhere.
  const keyOffset = findKeyOffset(doc, path) ?? node?.range?.[0];
  const line = keyOffset !== undefined ? `:${lineCounter.linePos(keyOffset).line}` : '';
  throw new ConfigError(`${source}${line}: ${path.join('.') || '(top level)'}: ${message}`);
}

function findKeyOffset(doc: ReturnType<typeof parseDocument>, path: string[]): number | undefined {
  if (path.length === 0) return undefined;
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const items = (parent as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> } | null)?.items;
  const pair = items?.find((item) => String(item.key?.value) === path[path.length - 1]);
  return pair?.key?.range?.[0];
}

/**
 * Load the config file. A missing file means defaults (the contract); `missing` is true then so
 * the caller can warn when the operator named a file that is not there. Any other read error is
 * a ConfigError.
 */
export async function loadConfig(file: string): Promise<{ config: Config; missing: boolean }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { config: defaultConfig(), missing: true };
    throw new ConfigError(`${file}: cannot read configuration: ${(error as Error).message}`);
  }
  return { config: parseConfigText(text, file), missing: false };
}
