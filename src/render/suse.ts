// SUSE family (SLES, SLED, openSUSE Leap and Tumbleweed): ifcfg-ethN, ifroute-ethN and
// ifrule-ethN in /etc/sysconfig/network, read by wicked. See templates/suse/*.mustache.
//
// The primary NIC's secondary IPs: SUSE has no alias files. The guide adds IPADDR_K to
// ifcfg-eth0, but ifcfg-eth0 is the primary's own file, which the agent never touches (it is
// not ours, so we could neither write it nor own a share of it). So on SUSE the primary's
// secondary IPs get no file at all: the agent adds them live (`ip addr add ... label eth0:K`)
// on every pass, the daemon restores them at boot, and `render` reports them as live-only.

import type { DesiredNic, DesiredState, RenderedFile } from '../model/types.js';
import { type CheckedNic, checkNic, checkState } from './check.js';
import { isRootSlash } from '../model/paths.js';
import type { FamilyRenderer, RenderContext } from './family.js';
import { renderTemplate } from './templates.js';
import { secondaryView } from './view.js';

export const SUSE_DIR = '/etc/sysconfig/network';

/** Why a primary NIC's secondary IPs have no file on SUSE (for `render`/`status` output). */
export const SUSE_PRIMARY_ALIAS_NOTE =
  "SUSE keeps a NIC's addresses in its one ifcfg file; the primary's ifcfg-eth0 is never touched, " +
  'so its secondary IPs are applied live by the agent only (restored by the daemon at boot)';

export function renderSuseNic(nic: CheckedNic, addressing: DesiredState['addressing']): RenderedFile[] {
  if (nic.role !== 'secondary') return [];
  const view = secondaryView(nic, addressing);
  const file = (name: string, template: string): RenderedFile => ({
    path: `${SUSE_DIR}/${name}-${nic.ifname}`,
    content: renderTemplate('suse', template, view),
    mode: 0o644,
    ifname: nic.ifname,
  });
  return [file('ifcfg', 'ifcfg'), file('ifroute', 'ifroute'), file('ifrule', 'ifrule')];
}

export const suseRenderer: FamilyRenderer = {
  family: 'suse',
  render(state: DesiredState): RenderedFile[] {
    const { addressing, nics } = checkState(state);
    return nics.flatMap((nic) => renderSuseNic(nic, addressing));
  },
  afterWriteCommands(): string[][] {
    return [];
  },
  /**
   * `wicked ifup ethN` (re)reads ifcfg/ifroute/ifrule-ethN and sets up that NIC only. Like
   * RHEL's ifup it reads the real /etc, so under another root there is no command (the agent
   * applies the NIC live with ip). Primary: null (see above).
   */
  upCommand(desired: DesiredNic, ctx: RenderContext): string[] | null {
    const nic = checkNic(desired);
    return nic.role === 'secondary' && isRootSlash(ctx.root) ? ['wicked', 'ifup', nic.ifname] : null;
  },
  downCommand(desired: DesiredNic, ctx: RenderContext): string[] | null {
    const nic = checkNic(desired);
    return nic.role === 'secondary' && isRootSlash(ctx.root) ? ['wicked', 'ifdown', nic.ifname] : null;
  },
};
