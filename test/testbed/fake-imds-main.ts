// Standalone fake metadata server for the netns testbed:
//   node dist/test/testbed/fake-imds-main.js --listen 127.0.0.1:8080 --scenario FILE [--request-log FILE]
// Prints `listening <port>` when ready; exits on SIGTERM/SIGINT.

import { FakeImds } from './fake-imds.js';

interface Args {
  host: string;
  port: number;
  scenario: string;
  requestLog?: string;
}

function usage(message: string): never {
  process.stderr.write(`fake-imds: ${message}\nusage: fake-imds-main --listen HOST:PORT --scenario FILE [--request-log FILE]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  let listen: string | undefined;
  let scenario: string | undefined;
  let requestLog: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === '--listen') listen = value;
    else if (flag === '--scenario') scenario = value;
    else if (flag === '--request-log') requestLog = value;
    else usage(`unknown argument ${JSON.stringify(flag)}`);
    i++;
  }
  if (listen === undefined || scenario === undefined) usage('--listen and --scenario are required');
  const m = /^(.*):(\d{1,5})$/.exec(listen);
  if (!m) usage(`--listen wants HOST:PORT, got ${JSON.stringify(listen)}`);
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(m[2]), scenario, ...(requestLog === undefined ? {} : { requestLog }) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const server = new FakeImds({ scenario: args.scenario, ...(args.requestLog === undefined ? {} : { requestLog: args.requestLog }) });
  const port = await server.start(args.host, args.port);
  const stop = (): void => {
    void server.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`listening ${port}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake-imds: ${(error as Error).message}\n`);
  process.exit(1);
});
