#!/usr/bin/env node
// eni-agent entry point: parse, build the context, dispatch, map errors to exit codes.

import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config/config.js';
import { DistroDetectionError } from '../distro/detect.js';
import { isMetadataError } from '../metadata/index.js';
import { HELP, parseCli, UsageError, type CliOptions } from './args.js';
import { buildContext, type Context } from './context.js';
import { EXIT, reconcileCommand } from './commands/reconcile.js';
import { renderCommand } from './commands/render.js';
import { statusCommand } from './commands/status.js';
import { teardownCommand } from './commands/teardown.js';
import { daemonCommand } from '../daemon/command.js';

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
    const ctx = await buildContext(options);
    benchContext = ctx;
    switch (options.command) {
      case 'reconcile':
        return await reconcileCommand(ctx);
      case 'status':
        return await statusCommand(ctx);
      case 'teardown':
        return await teardownCommand(ctx);
      case 'render':
        return await renderCommand(ctx);
      case 'daemon':
        return await daemonCommand(ctx);
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DistroDetectionError || error instanceof UsageError) {
      process.stderr.write(`eni-agent: ${error.message}\n`);
      return EXIT.usage;
    }
    if (isMetadataError(error)) {
      process.stderr.write(`eni-agent: metadata service unavailable (${error.kind}): ${error.message}\n`);
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
