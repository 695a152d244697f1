// One pass at a time, no trigger lost: a trigger while idle starts a pass; any number of
// triggers during a pass cause exactly one more pass after it (their reasons are merged).

export type Trigger = 'start' | 'link' | 'schedule' | 'sighup' | 'pending' | 'retry' | 'monitor-restart';

export type PassRunner = (reasons: ReadonlySet<Trigger>) => Promise<void>;

export class PassQueue {
  private running: Promise<void> | null = null;
  private queued = new Set<Trigger>();
  private stopped = false;

  constructor(private readonly run: PassRunner) {}

  get busy(): boolean {
    return this.running !== null;
  }

  /** Ask for a pass. Returns false once the queue is stopped. */
  trigger(reason: Trigger): boolean {
    if (this.stopped) return false;
    this.queued.add(reason);
    if (!this.running) this.running = this.loop();
    return true;
  }

  private async loop(): Promise<void> {
    try {
      while (this.queued.size > 0 && !this.stopped) {
        const reasons = this.queued;
        this.queued = new Set();
        // The runner owns its errors; one that escapes must not end the loop (or the daemon).
        await this.run(reasons).catch(() => undefined);
      }
    } finally {
      this.running = null;
    }
  }

  /** Resolves when no pass is running and none is queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Refuse new triggers, drop queued ones, and wait for the pass in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queued.clear();
    await this.idle();
  }
}
