// `eni-agent render [--output DIR]`: the files the agent would write for this host, printed
// with their paths or written under DIR. Reads metadata and the kernel's links; changes nothing.

import { underRoot, writeAtomic } from '../../files/atomic.js';
import { observeKernel } from '../../kernel/observe.js';
import { buildDesiredState } from '../../plan/desired.js';
import { familyAndRenderer, type Context } from '../context.js';

export async function renderCommand(ctx: Context): Promise<number> {
  const { family, renderer } = await familyAndRenderer(ctx);
  // Read-only: no metadata cache, no record written; only --output DIR receives files.
  const snapshot = await ctx.metadata.fetchSnapshot();
  const kernel = await observeKernel(ctx.runner);
  const { record } = await ctx.store.loadRecord();
  const { state } = buildDesiredState({ snapshot, links: kernel.links, config: ctx.config, family, indexMemory: record.indexes });
  const files = renderer.render(state, { root: ctx.root });
  for (const p of state.pending) ctx.logger.info(`${p.ifname ?? p.mac}: pending (${p.reason}); no files rendered for it`);
  if (ctx.options.output) {
    for (const file of files) await writeAtomic(underRoot(ctx.options.output, file.path), file.content, file.mode);
    ctx.logger.info(`wrote ${files.length} file(s) for the ${family} family under ${ctx.options.output}`);
  }
  if (ctx.options.json) {
    process.stdout.write(`${JSON.stringify({ family, files: files.map((f) => ({ path: f.path, mode: f.mode.toString(8), ifname: f.ifname, content: f.content })) }, null, 2)}\n`);
  } else if (!ctx.options.output) {
    for (const file of files) process.stdout.write(`==> ${file.path} (mode ${file.mode.toString(8)}) <==\n${file.content}${file.content.endsWith('\n') ? '' : '\n'}\n`);
    if (files.length === 0) process.stdout.write(`No files: no secondary ENI or secondary IP to configure (${family} family).\n`);
  }
  return 0;
}
