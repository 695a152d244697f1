// Exponential backoff delays and a one-shot timer that re-arms on demand.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly options: BackoffOptions) {}

  /** The next delay: initial, initial*factor, ... capped at max. */
  next(): number {
    const { initialMs, maxMs, factor = 2 } = this.options;
    const delay = Math.min(maxMs, initialMs * factor ** this.attempt);
    if (delay < maxMs) this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Re-checks pending NICs (kernel link without metadata, or metadata without link) sooner than
 * the schedule: 0.5 s doubling to 8 s, for at most `windowMs` after the pending set last changed.
 * A new pending set restarts the window and the backoff; an empty set cancels it.
 */
export class PendingRetry {
  private key = '';
  private since = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;

  constructor(
    private readonly fire: () => void,
    private windowMs: number,
    options: BackoffOptions = { initialMs: 500, maxMs: 8000 },
    private readonly now: () => number = Date.now,
  ) {
    this.backoff = new Backoff(options);
  }

  setWindow(windowMs: number): void {
    this.windowMs = windowMs;
  }

  /** Called after each pass with the keys (MAC or ifname) of the pending NICs. Returns the delay armed, or null. */
  update(pending: readonly string[]): number | null {
    const key = [...pending].sort().join(',');
    this.cancel();
    if (key === '') {
      this.key = '';
      this.backoff.reset();
      return null;
    }
    if (key !== this.key) {
      this.key = key;
      this.since = this.now();
      this.backoff.reset();
    }
    if (this.now() - this.since >= this.windowMs) return null;
    const delay = this.backoff.next();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, delay);
    return delay;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
