// Placeholder until the daemon lands: run one pass so `daemon` is at least a reconcile.
import type { Context } from '../cli/context.js';
import { reconcileCommand } from '../cli/commands/reconcile.js';

export async function daemonCommand(ctx: Context): Promise<number> {
  return reconcileCommand(ctx);
}
