// RHEL family (CentOS, RHEL, Alibaba Cloud Linux, Anolis, Rocky, Alma, Fedora, Oracle Linux):
// ifcfg-ethN, ifcfg-ethN:K aliases, route-ethN and rule-ethN in /etc/sysconfig/network-scripts.
// See templates/rhel/*.mustache for each file and where it departs from Alibaba's guide.

import type { DesiredNic, DesiredState, RenderedFile } from '../model/types.js';
import { type CheckedNic, checkNic, checkState } from './check.js';
import { isRootSlash } from '../model/paths.js';
import type { FamilyRenderer, RenderContext } from './family.js';
import { renderTemplate } from './templates.js';
import { identityView, secondaryView } from './view.js';

export const RHEL_DIR = '/etc/sysconfig/network-scripts';

export function renderRhelNic(nic: CheckedNic, addressing: DesiredState['addressing']): RenderedFile[] {
  const file = (name: string, content: string): RenderedFile => ({
    path: `${RHEL_DIR}/${name}`,
    content,
    mode: 0o644,
    ifname: nic.ifname,
  });
  const files: RenderedFile[] = [];
  if (nic.role === 'secondary') {
    const view = secondaryView(nic, addressing);
    files.push(file(`ifcfg-${nic.ifname}`, renderTemplate('rhel', 'ifcfg', view)));
    files.push(file(`route-${nic.ifname}`, renderTemplate('rhel', 'route', view)));
    files.push(file(`rule-${nic.ifname}`, renderTemplate('rhel', 'rule', view)));
  }
  // Aliases: for a secondary NIC and for the primary (whose own ifcfg-eth0 is never touched).
  for (const alias of nic.aliases) {
    const view = { ...identityView(nic), label: alias.label, ip: alias.ip, netmask: alias.netmask };
    files.push(file(`ifcfg-${alias.label}`, renderTemplate('rhel', 'alias', view)));
  }
  return files;
}

export const rhelRenderer: FamilyRenderer = {
  family: 'rhel',
  render(state: DesiredState): RenderedFile[] {
    const { addressing, nics } = checkState(state);
    return nics.flatMap((nic) => renderRhelNic(nic, addressing));
  },
  afterWriteCommands(): string[][] {
    return [];
  },
  /**
   * `ifup ethN` for a secondary NIC: initscripts bring up ethN, its aliases (ifup-aliases),
   * route-ethN and rule-ethN; on NetworkManager hosts `ifup` is the nmcli wrapper and activates
   * the ethN connection only. ifup reads the real /etc, never <root>/etc, so under another root
   * there is no command: the agent applies the NIC live with ip and only writes the files.
   * A primary NIC gets null: `ifup eth0:0` on NetworkManager reactivates the whole eth0
   * connection (its alias files are merged into it), which would bounce the primary. The agent
   * adds the primary's secondary IPs live; the alias files only matter at boot.
   */
  upCommand(desired: DesiredNic, ctx: RenderContext): string[] | null {
    const nic = checkNic(desired);
    return nic.role === 'secondary' && isRootSlash(ctx.root) ? ['ifup', nic.ifname] : null;
  },
  downCommand(desired: DesiredNic, ctx: RenderContext): string[] | null {
    const nic = checkNic(desired);
    return nic.role === 'secondary' && isRootSlash(ctx.root) ? ['ifdown', nic.ifname] : null;
  },
};
