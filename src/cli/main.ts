#!/usr/bin/env node
// eni-agent entry point: parse, build the context, dispatch, map errors to exit codes.

// Commands and their dependencies load only once parsing says which one runs, so `--version`
// and `--help` start without loading winston, the metadata client or the renderers.

import { readFileSync, writeFileSync } from 'node:fs';
import { HELP, parseCli, UsageError, type CliOptions } from './args.js';
import type { Context } from './context.js';
import { EXIT } from './exit.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`eni-agent: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (options.command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (options.command === 'version') {
    process.stdout.write(`eni-agent ${version()}\n`);
    return 0;
  }
  try {
    const { buildContext } = await import('./context.js');
    const ctx = await buildContext(options);
    benchContext = ctx;
    switch (options.command) {
      case 'reconcile':
        return await (await import('./commands/reconcile.js')).reconcileCommand(ctx);
      case 'status':
        return await (await import('./commands/status.js')).statusCommand(ctx);
      case 'teardown':
        return await (await import('./commands/teardown.js')).teardownCommand(ctx);
      case 'render':
        return await (await import('./commands/render.js')).renderCommand(ctx);
      case 'daemon':
        return await (await import('../daemon/command.js')).daemonCommand(ctx);
    }
  } catch (error) {
    // Matched by name: importing the error classes would load their modules up front.
    const name = (error as Error | undefined)?.name;
    if (name === 'ConfigError' || name === 'DistroDetectionError' || name === 'UsageError') {
      process.stderr.write(`eni-agent: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    if (name === 'MetadataError') {
      const e = error as Error & { kind: string };
      process.stderr.write(`eni-agent: metadata service unavailable (${e.kind}): ${e.message}\n`);
      return EXIT.metadata;
    }
    process.stderr.write(`eni-agent: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.nicFailed;
  }
}

// Benchmark hook (bench/run.ts): with ENI_AGENT_BENCH_STATS=<file> set, write
// {"spawns":N,"metadataRequests":M} for this invocation at exit. Off (and free) otherwise.
let benchContext: Context | undefined;
function writeBenchStats(): void {
  const file = process.env.ENI_AGENT_BENCH_STATS;
  if (!file) return;
  const stats = { spawns: benchContext?.runner.spawnCount ?? 0, metadataRequests: benchContext?.metadata.requestCount ?? 0 };
  writeFileSync(file, `${JSON.stringify(stats)}\n`);
}

main(process.argv.slice(2)).then(
  (code) => {
    writeBenchStats();
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`eni-agent: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
