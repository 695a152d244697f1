// `npm run demo`: a newcomer's first minute. Builds a simulated ECS host in network namespaces
// (eth0 primary plus three secondary ENIs, one with secondary IPs), shows the routing before,
// runs the real agent, shows `eni-agent status` and the routing after, then tears it all down.

import { createAgentHost, type AgentHost } from '../test/e2e/harness.js';

const nics = [
  { name: 'eth0', mac: '00:16:3e:0e:16:21', ip: '10.0.0.19' },
  { name: 'eth1', mac: '00:16:3e:12:e7:27', ip: '10.0.0.20' },
  { name: 'eth2', mac: '00:16:3e:12:16:ec', ip: '10.0.0.21' },
  { name: 'eth3', mac: '00:16:3e:12:16:ed', ip: '10.0.0.22' },
];

function banner(text: string): void {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
}

async function show(host: AgentHost, title: string, argv: string[]): Promise<void> {
  const result = await host.tb.exec(argv);
  process.stdout.write(`$ ${title}\n${result.stdout}${result.stderr}`);
}

async function routing(host: AgentHost): Promise<void> {
  await show(host, 'ip rule', ['ip', 'rule']);
  await show(host, 'ip route', ['ip', 'route']);
  for (const table of [1001, 1002, 1003]) {
    const r = await host.tb.exec(['ip', 'route', 'show', 'table', String(table)]);
    process.stdout.write(`$ ip route show table ${table}\n${r.stdout || '(empty)\n'}`);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('The demo builds network namespaces and needs root: sudo npm run demo\n');
    process.exit(1);
  }
  banner('Building a simulated ECS host: eth0 (primary) + eth1..eth3 (secondary ENIs), a DHCP server, a metadata service');
  const host = await createAgentHost({ nics, secondaryIps: { eth2: ['10.0.0.31', '10.0.0.32'] } });
  try {
    process.stdout.write(`guest namespace: ${host.tb.guestNs}   metadata: ${host.url}   root: ${host.root}\n`);
    banner('Before: only the primary is routed; the ENIs are attached but down');
    await routing(host);

    banner('eni-agent reconcile --dry-run  (the plan, nothing changed)');
    const dry = await host.agent(['reconcile', '--dry-run', '--log-level', 'warn']);
    process.stdout.write(dry.stdout);

    banner('eni-agent reconcile');
    const pass = await host.agent(['reconcile']);
    process.stdout.write(`${pass.stderr}exit ${pass.exitCode} in ${pass.durationMs} ms\n`);

    banner('eni-agent reconcile  (again: converged, nothing to do, nothing logged)');
    const again = await host.agent(['reconcile']);
    process.stdout.write(`${again.stderr}exit ${again.exitCode} in ${again.durationMs} ms\n`);

    banner('eni-agent status');
    process.stdout.write((await host.agent(['status'])).stdout);

    banner('After: a metric route per NIC in main, a table and a rule per IP');
    await routing(host);

    banner('Traffic from a secondary IP leaves through its own NIC');
    const before = await host.tb.linkStats('eth2');
    const ping = await host.tb.exec(['ping', '-n', '-q', '-c', '3', '-i', '0.2', '-I', '10.0.0.31', host.tb.gateway]);
    const after = await host.tb.linkStats('eth2');
    process.stdout.write(`${ping.stdout}eth2 sent ${after.txPackets - before.txPackets} packets\n`);

    banner('eni-agent teardown  (removes only what the agent created)');
    const down = await host.agent(['teardown']);
    process.stdout.write(`${down.stderr}exit ${down.exitCode}\n`);
    await show(host, 'ip rule', ['ip', 'rule']);
  } finally {
    banner('Removing the simulated host (namespaces, DHCP server, metadata service)');
    await host.destroy();
    process.stdout.write('done.\n');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${String(error)}\n`);
  process.exit(1);
});
