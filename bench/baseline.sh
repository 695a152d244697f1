#!/bin/bash
# Baseline for the benchmark: Alibaba's hand procedure (ENI guide, sections 4.4 and 4.6) scripted
# the way an operator would script it -- curl every metadata item, then `ip` commands, each one
# guarded by a grep-before-add check so that re-running the script changes nothing.
#
# Usage (inside the guest namespace): baseline.sh METADATA_URL [TABLE_BASE] [RULE_PREF_BASE]
#
# Deliberate choices, so that it converges to the same kernel state as eni-agent with
# `addressing: static` and default routing (the bench asserts it):
#   - numbering from the guide: ethN -> metric 100N, table 100N (base 1000 + N);
#   - `ip rule add ... pref 3000N`: the guide omits pref (the kernel would then pick 32765, 32764,
#     ...); pinning it to the agent's deterministic priority makes the rule sets comparable
#     line for line and costs nothing;
#   - static addresses (`ip addr add`) instead of the guide's ifcfg/ifup + DHCP, so DHCP timing
#     does not dominate either side;
#   - no network-service restart (the guide's `service network restart` bounces the primary).
set -u
URL=${1:?metadata url}
TABLE_BASE=${2:-1000}
PREF_BASE=${3:-30000}
MD="$URL/latest/meta-data"

primary_mac=$(curl -fsS "$MD/mac")
macs=$(curl -fsS "$MD/network/interfaces/macs/")

# dotted netmask -> prefix length
mask2prefix() {
  local bits=0 octet
  IFS=. read -r -a octets <<<"$1"
  for octet in "${octets[@]}"; do
    case $octet in
      255) bits=$((bits + 8)) ;; 254) bits=$((bits + 7)) ;; 252) bits=$((bits + 6)) ;;
      248) bits=$((bits + 5)) ;; 240) bits=$((bits + 4)) ;; 224) bits=$((bits + 3)) ;;
      192) bits=$((bits + 2)) ;; 128) bits=$((bits + 1)) ;; 0) ;;
    esac
  done
  echo "$bits"
}

for entry in $macs; do
  mac=${entry%/}
  [ "$mac" = "$primary_mac" ] && continue          # never touch the primary NIC
  # Which ethN has this MAC? (metadata has no device index)
  dev=""
  for path in /sys/class/net/eth*; do
    if [ "$(cat "$path/address")" = "$mac" ]; then dev=${path##*/}; fi
  done
  [ -n "$dev" ] || continue                         # ENI not attached (yet)
  n=${dev#eth}
  table=$((TABLE_BASE + n))
  metric=$((TABLE_BASE + n))
  pref=$((PREF_BASE + n))

  ip_addr=$(curl -fsS "$MD/network/interfaces/macs/$mac/primary-ip-address")
  netmask=$(curl -fsS "$MD/network/interfaces/macs/$mac/netmask")
  gateway=$(curl -fsS "$MD/network/interfaces/macs/$mac/gateway")
  ipv4s=$(curl -fsS "$MD/network/interfaces/macs/$mac/private-ipv4s" | tr -d '[]" ' | tr ',' ' ')
  prefix=$(mask2prefix "$netmask")

  # 4.4: the ENI's own address, link up
  ip -4 addr show dev "$dev" | grep -qF "inet $ip_addr/$prefix " || ip addr add "$ip_addr/$prefix" dev "$dev"
  ip link show "$dev" | grep -qF 'state UP' || ip link set "$dev" up

  # 4.4: a default route with a metric in main, and one in the NIC's own table
  ip -4 route show default | grep -qF "via $gateway dev $dev metric $metric" \
    || ip -4 route add default via "$gateway" dev "$dev" metric "$metric"
  ip -4 route show table "$table" | grep -qF "default via $gateway dev $dev" \
    || ip -4 route add default via "$gateway" dev "$dev" table "$table"

  # 4.6: secondary private IPs, and a policy rule for every address of the ENI
  for ip in $ipv4s; do
    if [ "$ip" != "$ip_addr" ]; then
      ip -4 addr show dev "$dev" | grep -qF "inet $ip/$prefix " || ip addr add "$ip/$prefix" dev "$dev"
    fi
    ip -4 rule show | grep -qF "from $ip lookup $table" || ip -4 rule add from "$ip" lookup "$table" pref "$pref"
  done
done
