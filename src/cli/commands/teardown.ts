// `eni-agent teardown [IFACE...]`: remove what the agent created — rules at its priorities in
// its tables, routes with its protocol, alias addresses it added, its files — for every managed
// NIC or only those named. Needs no metadata, so it works when the service is down.

import { applyFileActions, applyIfdown, applyKernelActions, type ApplyContext } from '../../apply/apply.js';
import { readTextIfExists, underRoot } from '../../files/atomic.js';
import { observeKernel } from '../../kernel/observe.js';
import type { Action } from '../../model/actions.js';
import { isManagedContent, ROUTE_PROTOCOL } from '../../model/ownership.js';
import { isOurPriority, isOurTable } from '../../plan/plan.js';
import { describeAction } from '../../plan/describe.js';
import { isLockHeldError } from '../../state/store.js';
import { familyAndRenderer, type Context } from '../context.js';
import { EXIT } from './reconcile.js';

export async function teardownCommand(ctx: Context): Promise<number> {
  const { store, logger, config } = ctx;
  const { family } = await familyAndRenderer(ctx);
  let release: () => Promise<void>;
  try {
    release = await store.acquireLock(120_000);
  } catch (error) {
    if (!isLockHeldError(error)) throw error;
    logger.error('another reconcile pass holds the lock; try again');
    return EXIT.nicFailed;
  }
  try {
    const { record } = await store.loadRecord();
    const named = ctx.options.positionals;
    const targets = Object.entries(record.nics).filter(([, nic]) => named.length === 0 || named.includes(nic.ifname));
    for (const name of named) {
      if (!targets.some(([, nic]) => nic.ifname === name)) logger.warn(`${name}: not managed by eni-agent; nothing to remove`);
    }
    const kernel = await observeKernel(ctx.runner);
    const routing = config.routing;
    const proto = String(ROUTE_PROTOCOL);
    const indexes = new Set(targets.map(([, nic]) => nic.index));
    const ifnames = new Set(targets.map(([, nic]) => nic.ifname));
    const everything = named.length === 0;

    const kernelActions: Action[] = [];
    for (const rule of kernel.rules) {
      if (isOurTable(rule.table, routing) && isOurPriority(rule.priority, routing) && (everything || indexes.has(rule.priority - routing.rulePriorityBase))) {
        kernelActions.push({ kind: 'del-rule', rule });
      }
    }
    for (const route of kernel.routes) {
      if (route.protocol !== proto) continue;
      const inOurTable = route.table !== 254 && isOurTable(route.table, routing) && (everything || indexes.has(route.table - routing.tableBase));
      const ourMainRoute = route.table === 254 && route.dev !== undefined && ifnames.has(route.dev);
      if (inOurTable || ourMainRoute) kernelActions.push({ kind: 'del-route', ifname: route.dev, route });
    }
    for (const [, nic] of targets) {
      // Aliases before the primary: deleting a primary address takes its secondaries with it.
      for (const a of [...nic.addresses].reverse()) {
        if (kernel.addresses.some((k) => k.ifname === nic.ifname && k.local === a.address)) {
          kernelActions.push({ kind: 'del-address', ifname: nic.ifname, address: a.address, prefixLength: a.prefixLength });
        }
      }
    }

    const downActions = targets
      .filter(([mac, nic]) => nic.role === 'secondary' && nic.down && kernel.links.some((l) => l.ifname === nic.ifname && l.mac === mac))
      .map(([, nic]): Extract<Action, { kind: 'ifdown' }> => ({ kind: 'ifdown', ifname: nic.ifname, command: nic.down! }));

    const fileActions: Action[] = [];
    for (const [, nic] of targets) {
      for (const path of nic.files) {
        const content = await readTextIfExists(underRoot(ctx.root, path));
        if (content !== null && isManagedContent(content)) fileActions.push({ kind: 'remove-file', ifname: nic.ifname, path });
        else if (content !== null) logger.warn(`${path} is no longer managed by eni-agent; left in place`);
      }
    }

    if (everything) {
      for (const path of record.sharedFiles ?? []) {
        const content = await readTextIfExists(underRoot(ctx.root, path));
        if (content !== null && isManagedContent(content)) fileActions.push({ kind: 'remove-file', path });
      }
    } else if ((record.sharedFiles ?? []).length > 0) {
      logger.info(`${(record.sharedFiles ?? []).join(', ')} also serves other NICs; the next reconcile rewrites it without ${named.join(', ')}`);
    }

    const applyCtx: ApplyContext = { runner: ctx.runner, root: ctx.root, logger, ifupTimeoutMs: config.ifupTimeoutMs };
    for (const a of [...kernelActions, ...fileActions]) logger.info(`teardown: ${describeAction(a)}`);
    const errors: string[] = [];
    // Rules and routes first, so traffic stops using the tables before the NIC goes down.
    for (const o of await applyKernelActions(kernelActions, applyCtx)) {
      // Already gone (the kernel removed it with something else) is what teardown wants.
      if (o.error && !/Address not found|No such process|Cannot find device/.test(o.error)) errors.push(`${describeAction(o.action)}: ${o.error}`);
    }
    // ifdown releases the DHCP lease and stops the client the NIC's ifup started.
    for (const o of await applyIfdown(downActions, applyCtx)) if (o.error) errors.push(`${describeAction(o.action)}: ${o.error}`);
    for (const o of await applyFileActions(fileActions, applyCtx)) if (o.error) errors.push(`${describeAction(o.action)}: ${o.error}`);

    const remainingNics = Object.fromEntries(Object.entries(record.nics).filter(([mac]) => !targets.some(([m]) => m === mac)));
    await store.saveRecord({ ...record, nics: remainingNics, ...(everything ? { sharedFiles: [] } : {}) });
    for (const e of errors) logger.error(`teardown: ${e}`);
    if (ctx.options.json) {
      process.stdout.write(`${JSON.stringify({ family, removed: [...kernelActions, ...downActions, ...fileActions].map(describeAction), errors }, null, 2)}\n`);
    }
    return errors.length > 0 ? EXIT.nicFailed : EXIT.converged;
  } finally {
    await release();
  }
}

