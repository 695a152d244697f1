// Command-line parsing (node:util parseArgs). The contract is in DESIGN.md and is stable.

import { parseArgs } from 'node:util';

export const COMMANDS = ['reconcile', 'daemon', 'status', 'teardown', 'render'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliOptions {
  command: Command | 'version' | 'help';
  positionals: string[];
  config: string;
  configExplicit: boolean;
  metadataUrl?: string;
  root: string;
  distro?: string;
  json: boolean;
  logLevel?: string;
  dryRun: boolean;
  force: boolean;
  output?: string;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const DEFAULT_CONFIG = '/etc/eni-agent/config.yaml';

export const HELP = `eni-agent — configure every elastic network interface of an Alibaba Cloud ECS instance

Usage:
  eni-agent reconcile [--dry-run] [--force]  one pass; exit 0 converged, 1 some NIC failed,
                                             2 usage/config error, 3 metadata unreachable
  eni-agent daemon                           run as a service (boot, hot-plug, schedule)
  eni-agent status                           managed NICs and their live state, drift marked
  eni-agent teardown [IFACE...]              remove what the agent created (all, or those named)
  eni-agent render [--output DIR]            print the distro files it would write, or write
                                             them under DIR; never touches the kernel
  eni-agent --version | --help

Options:
  --config FILE         configuration (default ${DEFAULT_CONFIG}; missing = defaults)
  --metadata-url URL    metadata service (default http://100.100.100.200)
  --root DIR            prefix for every file read or written (default /)
  --distro NAME         rhel | debian | suse | netplan | auto (default auto)
  --json                machine-readable output
  --log-level LEVEL     error | warn | info | debug
  --dry-run             (reconcile) print the plan and change nothing
  --force               (reconcile) replace unmanaged files at target paths, keeping a
                        .eni-agent.bak copy
  --output DIR          (render) write the files under DIR (a root-like tree)
`;

const PER_COMMAND: Record<string, ReadonlySet<string>> = {
  reconcile: new Set(['dry-run', 'force']),
  render: new Set(['output']),
  daemon: new Set(),
  status: new Set(),
  teardown: new Set(),
};

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        'metadata-url': { type: 'string' },
        root: { type: 'string' },
        distro: { type: 'string' },
        json: { type: 'boolean' },
        'log-level': { type: 'string' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        output: { type: 'string' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const base = {
    config: values.config ?? DEFAULT_CONFIG,
    configExplicit: values.config !== undefined,
    metadataUrl: values['metadata-url'],
    root: values.root ?? '/',
    distro: values.distro,
    json: values.json ?? false,
    logLevel: values['log-level'],
    dryRun: values['dry-run'] ?? false,
    force: values.force ?? false,
    output: values.output,
  };
  if (values.help) return { ...base, command: 'help', positionals: [] };
  if (values.version) return { ...base, command: 'version', positionals: [] };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('no command given (try --help)');
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)} (try --help)`);
  const allowed = PER_COMMAND[command]!;
  for (const flag of ['dry-run', 'force', 'output'] as const) {
    if (values[flag] !== undefined && !allowed.has(flag)) throw new UsageError(`--${flag} does not apply to ${command}`);
  }
  if (command !== 'teardown' && rest.length > 0) throw new UsageError(`${command} takes no arguments, got ${JSON.stringify(rest[0])}`);
  if (values.distro !== undefined && !['auto', 'rhel', 'debian', 'suse', 'netplan'].includes(values.distro)) {
    throw new UsageError(`--distro must be one of rhel, debian, suse, netplan, auto; got ${JSON.stringify(values.distro)}`);
  }
  if (values['log-level'] !== undefined && !['error', 'warn', 'info', 'debug'].includes(values['log-level'])) {
    throw new UsageError(`--log-level must be one of error, warn, info, debug; got ${JSON.stringify(values['log-level'])}`);
  }
  if (values['metadata-url'] !== undefined && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(values['metadata-url'])) {
    throw new UsageError(`--metadata-url is not an http(s) URL: ${JSON.stringify(values['metadata-url'])}`);
  }
  return { ...base, command: command as Command, positionals: rest };
}
