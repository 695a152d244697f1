#!/usr/bin/env bash
# Install what the build and the tests need, only when it is missing: Debian packages (as root)
# and the npm dependencies. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package
declare -A NEED=(
  [ip]=iproute2
  [ethtool]=ethtool
  [ifup]=ifupdown
  [dhclient]=isc-dhcp-client
  [dnsmasq]=dnsmasq-base
  [ping]=iputils-ping
  [netplan]=netplan.io
  [curl]=curl
  [strace]=strace
  [systemd-analyze]=systemd
  [cloud-init]=cloud-init
)
missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || [ -x "/sbin/$cmd" ] || missing+=("${NEED[$cmd]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq
    # dnsmasq-base: the binary without a system-wide service that would grab port 53.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing packages (install them as root): ${missing[*]}" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
