// The interface every distro family's renderer implements. A renderer is pure: it takes the
// desired state and returns file contents and the commands that bring a NIC up or down.
// The planner diffs the files against disk; the applier runs the commands.

import type { DesiredNic, DesiredState, DistroFamily, RenderedFile } from '../model/types.js';

export interface RenderContext {
  /** The --root prefix ("/" on a real host). Commands that take paths get them under it. */
  root: string;
}

export interface FamilyRenderer {
  family: DistroFamily;
  /**
   * Every file this family needs for the desired state (secondaries and primary aliases).
   * Re-validates every NIC and throws ValidationError on a bad value; callers that want to skip
   * one bad NIC and go on render NIC by NIC (`render({ ...state, nics: [nic] })`).
   */
  render(state: DesiredState, ctx: RenderContext): RenderedFile[];
  /**
   * Commands to run once after any of this family's files changed and before any upCommand
   * (netplan: `netplan generate`, `networkctl reload`). Empty for the other families.
   */
  afterWriteCommands(ctx: RenderContext): string[][];
  /**
   * Argument array bringing one NIC up from its rendered files (ifup, wicked, networkctl), or
   * null when there is nothing to run: the agent then applies the NIC's addresses, routes and
   * rules live with `ip` and the files only matter at boot. Primary NICs get null wherever
   * bringing the aliases up would reactivate the primary connection (NetworkManager, wicked).
   */
  upCommand(nic: DesiredNic, ctx: RenderContext): string[] | null;
  /** Argument array taking it down again (teardown), or null (remove live with `ip`). */
  downCommand(nic: DesiredNic, ctx: RenderContext): string[] | null;
}
