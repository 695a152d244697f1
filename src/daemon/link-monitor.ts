// Kernel link add/remove events from a long-lived `ip -o monitor link` child (execa, argument
// array). The child is restarted with backoff when it dies; after a restart the caller gets an
// event too, since links may have come or gone while nobody was listening.
//
// `ip monitor link` also reports every state change (our own ifup sets a link UP, DHCP...). Only
// a link that is new (ifindex not seen before, or renamed) or deleted is an event: state changes
// of known links are drift, and the schedule repairs drift.

import { execa, type ExecaChildProcess } from 'execa';
import { Backoff } from './backoff.js';

export interface LinkEvent {
  kind: 'add' | 'remove' | 'restart';
  ifname?: string;
  ifindex?: number;
}

export interface LinkMonitorOptions {
  onEvent: (event: LinkEvent) => void;
  onLog: (level: 'debug' | 'warn', message: string) => void;
  /** Command to run (tests replace it); default `ip -o monitor link`. */
  command?: readonly string[];
  /** Seed of known links (ifindex → name), so the first events of known links are not "new". */
  listLinks?: () => Promise<Map<number, string>>;
  backoff?: Backoff;
  /** A child that ran this long resets the restart backoff. */
  healthyMs?: number;
}

/** Parse one `ip -o monitor link` line: `3: eth1: <...> ... link/ether ...` or `Deleted 3: eth1: ...`. */
export function parseMonitorLine(line: string): { deleted: boolean; ifindex: number; ifname: string } | null {
  const m = /^(Deleted\s+)?(?:\[LINK\]\s*)?(\d+):\s+([^:@\s]+)(?:@[^:\s]*)?:/.exec(line.trim());
  if (!m) return null;
  return { deleted: Boolean(m[1]), ifindex: Number(m[2]), ifname: m[3]! };
}

/** `ip -o link show` → ifindex → name. */
export function parseLinkList(text: string): Map<number, string> {
  const links = new Map<number, string>();
  for (const line of text.split('\n')) {
    const parsed = parseMonitorLine(line);
    if (parsed) links.set(parsed.ifindex, parsed.ifname);
  }
  return links;
}

export async function listLinksWithIp(): Promise<Map<number, string>> {
  const result = await execa('ip', ['-o', 'link', 'show'], { reject: false, timeout: 10_000, stdin: 'ignore' });
  return parseLinkList(String(result.stdout ?? ''));
}

export class LinkMonitor {
  private child: ExecaChildProcess | undefined;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private known = new Map<number, string>();
  private readonly backoff: Backoff;
  private startedAt = 0;
  private generation = 0;

  constructor(private readonly options: LinkMonitorOptions) {
    this.backoff = options.backoff ?? new Backoff({ initialMs: 1000, maxMs: 30_000 });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.spawn(false);
  }

  private async spawn(isRestart: boolean): Promise<void> {
    const generation = ++this.generation;
    try {
      this.known = await (this.options.listLinks ?? listLinksWithIp)();
    } catch {
      this.known = new Map();
    }
    if (this.stopped || generation !== this.generation) return;
    const [file, ...args] = this.options.command ?? ['ip', '-o', 'monitor', 'link'];
    const child = execa(file!, args, { reject: false, buffer: false, stdin: 'ignore', cleanup: true });
    this.child = child;
    this.startedAt = Date.now();
    let pendingText = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      pendingText += chunk;
      const lines = pendingText.split('\n');
      pendingText = lines.pop() ?? '';
      for (const line of lines) this.onLine(line);
    });
    child.stderr?.on('data', () => undefined);
    void child.then((result) => {
      if (this.child === child) this.child = undefined;
      if (this.stopped) return;
      if (Date.now() - this.startedAt >= (this.options.healthyMs ?? 60_000)) this.backoff.reset();
      const delay = this.backoff.next();
      const why = result.signal ? `signal ${result.signal}` : `exit ${String(result.exitCode)}`;
      this.options.onLog('warn', `link monitor (${[file, ...args].join(' ')}) ended (${why}${(result as { code?: string }).code === 'ENOENT' ? ', command not found' : ''}); restarting in ${delay} ms`);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        void this.spawn(true);
      }, delay);
    });
    if (isRestart) this.options.onEvent({ kind: 'restart' });
  }

  private onLine(line: string): void {
    const parsed = parseMonitorLine(line);
    if (!parsed) return;
    if (parsed.deleted) {
      this.known.delete(parsed.ifindex);
      this.options.onLog('debug', `link ${parsed.ifname} (${parsed.ifindex}) removed`);
      this.options.onEvent({ kind: 'remove', ifname: parsed.ifname, ifindex: parsed.ifindex });
      return;
    }
    if (this.known.get(parsed.ifindex) === parsed.ifname) return;
    this.known.set(parsed.ifindex, parsed.ifname);
    this.options.onLog('debug', `link ${parsed.ifname} (${parsed.ifindex}) appeared`);
    this.options.onEvent({ kind: 'add', ifname: parsed.ifname, ifindex: parsed.ifindex });
  }

  /** Stop the child (SIGTERM) and any pending restart. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.generation += 1;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    this.child = undefined;
    if (child) {
      child.kill('SIGTERM');
      await Promise.race([child.then(() => undefined, () => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}
