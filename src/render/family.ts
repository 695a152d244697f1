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
  /** Every file this family needs for the desired state (secondaries and primary aliases). */
  render(state: DesiredState, ctx: RenderContext): RenderedFile[];
  /**
   * Directories (root-relative, e.g. `/etc/network/interfaces.d`) where this family's managed
   * files live, with a predicate for names it may have written; used to find stale files.
   */
  managedLocations(): Array<{ dir: string; matches: (fileName: string) => boolean }>;
  /** Argument array bringing one NIC up from its rendered files (ifup, wicked, netplan). */
  upCommand(nic: DesiredNic, ctx: RenderContext): string[];
  /** Argument array taking it down again (teardown). */
  downCommand(nic: DesiredNic, ctx: RenderContext): string[];
}
