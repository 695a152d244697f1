// `eni-agent daemon`: run the Daemon until SIGTERM/SIGINT; exit 0 then.
import type { Context } from '../cli/context.js';
import { Daemon } from './daemon.js';

export async function daemonCommand(ctx: Context): Promise<number> {
  const code = await new Daemon(ctx).run();
  // Everything the daemon started is stopped; should a library keep a handle open, do not hang.
  setTimeout(() => process.exit(code), 3000).unref();
  return code;
}
