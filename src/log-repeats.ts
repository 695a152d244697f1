// A daemon pass that fails the same way every minute (a conflicting file, a refused metadata
// value) should say so once, not sixty times an hour. RepeatQuieter hands out a logger whose
// warn and error lines are demoted to debug when the previous pass already said them; a line
// is said again once it has been absent for a pass (the condition cleared and came back).

import type { Logger } from './log.js';

const LOUD = new Set(['warn', 'error']);

export class RepeatQuieter {
  private previous = new Set<string>();
  private current = new Set<string>();
  readonly logger: Logger;

  constructor(inner: Logger) {
    const say = (level: string, message: unknown, meta: unknown[]): Logger => {
      const text = String(message);
      if (!LOUD.has(level)) return inner.log(level, text, ...meta);
      const key = `${level}\n${text}`;
      this.current.add(key);
      return this.previous.has(key) ? inner.log('debug', `(still) ${text}`, ...meta) : inner.log(level, text, ...meta);
    };
    this.logger = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'warn' || prop === 'error') return (message: unknown, ...meta: unknown[]) => say(prop, message, meta);
        if (prop === 'log') {
          return (level: unknown, message: unknown, ...meta: unknown[]) =>
            typeof level === 'string' ? say(level, message, meta) : Reflect.apply(target.log, target, [level, message, ...meta]);
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  }

  /** Call at the start of each pass: what this pass says is compared with the last one. */
  beginPass(): void {
    this.previous = this.current;
    this.current = new Set();
  }
}
