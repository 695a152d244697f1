// Composition root for a command: configuration, logger, edges (runner, store, metadata) and
// the distro family's renderer, built once from the command-line options.

import path from 'node:path';
import { loadConfig, type Config } from '../config/config.js';
import { resolveFamily } from '../distro/detect.js';
import { ExecaRunner, type CommandRunner } from '../exec/runner.js';
import { underRoot } from '../files/atomic.js';
import { createLogger, type Logger, type LogLevel } from '../log.js';
import { FileTokenStore, MetadataClient, tokenFilePath } from '../metadata/index.js';
import type { DistroFamily } from '../model/types.js';
import { rendererFor } from '../render/index.js';
import type { FamilyRenderer } from '../render/family.js';
import { StateStore } from '../state/store.js';
import { DEFAULT_CONFIG, type CliOptions } from './args.js';

export interface Context {
  options: CliOptions;
  config: Config;
  configFile: string;
  logger: Logger;
  runner: CommandRunner;
  store: StateStore;
  stateDir: string;
  root: string;
  metadata: MetadataClient;
}

export async function buildContext(options: CliOptions): Promise<Context> {
  const root = path.resolve(options.root);
  // The default config lives under --root like every other file; an explicit path is used as given.
  const configFile = options.configExplicit ? options.config : underRoot(root, DEFAULT_CONFIG);
  const { config, missing } = await loadConfig(configFile);
  if (options.metadataUrl) config.metadata.endpoint = options.metadataUrl;
  const level = (options.logLevel ?? config.log.level) as LogLevel;
  const logger = createLogger(level, options.json && config.log.format === 'text' ? 'text' : config.log.format);
  if (missing && options.configExplicit) logger.warn(`configuration file ${configFile} not found; using defaults`);
  const stateDir = underRoot(root, config.stateDir);
  const runner = new ExecaRunner();
  const store = new StateStore(stateDir);
  const metadata = new MetadataClient({
    endpoint: config.metadata.endpoint,
    token: config.metadata.token,
    timeoutMs: config.metadata.timeoutMs,
    retries: config.metadata.retries,
    tokenTtlSeconds: config.metadata.tokenTtlSeconds,
    maxResponseBytes: config.metadata.maxResponseBytes,
    tokenStore: new FileTokenStore(tokenFilePath(stateDir)),
    logger,
  });
  return { options, config, configFile, logger, runner, store, stateDir, root, metadata };
}

/** The distro family: --distro, else the config's `distro`, else detected from os-release. */
export async function familyAndRenderer(ctx: Context): Promise<{ family: DistroFamily; renderer: FamilyRenderer }> {
  const choice = ctx.options.distro ?? ctx.config.distro;
  const family = await resolveFamily(choice, ctx.root);
  return { family, renderer: rendererFor(family) };
}
