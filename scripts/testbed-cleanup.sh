#!/usr/bin/env bash
# Remove testbed leftovers (network namespaces named eni-vpc-<pid>-<n> / eni-guest-<pid>-<n>)
# after a run that could not clean up (SIGKILL, power loss). For each such namespace: kill the
# pids `ip netns pids` lists for it (TERM, then KILL), delete the namespace, remove
# /etc/netns/<ns>. Nothing else is touched: no other namespace, no link of the root namespace.
#
# Usage: scripts/testbed-cleanup.sh [--dry-run] [--all]
#   By default namespaces whose creating process (the <pid> in the name) is still alive are
#   skipped, so a running test is not torn down under its feet; --all removes them too.
set -euo pipefail

dry_run=0
all=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=1 ;;
    --all) all=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if [[ $(id -u) -ne 0 ]]; then
  echo "testbed-cleanup: needs root" >&2
  exit 1
fi

run() {
  if [[ $dry_run -eq 1 ]]; then echo "would run: $*"; else "$@"; fi
}

alive() { [[ -d /proc/$1 ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

removed=0
while read -r ns _; do
  [[ $ns =~ ^eni-(vpc|guest)-([0-9]+)-[0-9]+$ ]] || continue
  owner=${BASH_REMATCH[2]}
  if [[ $all -eq 0 ]] && alive "$owner" && grep -q node "/proc/$owner/comm" 2>/dev/null; then
    echo "skip $ns: its creator (pid $owner) is still running (use --all)"
    continue
  fi
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  if [[ -n $pids ]]; then
    echo "$ns: killing $(echo $pids)"
    for pid in $pids; do run kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 30); do
      left=""
      for pid in $pids; do alive "$pid" && left="$left $pid"; done
      [[ -z $left || $dry_run -eq 1 ]] && break
      sleep 0.1
    done
    for pid in $left; do run kill -KILL "$pid" 2>/dev/null || true; done
  fi
  echo "deleting namespace $ns"
  run ip netns del "$ns"
  if [[ -d /etc/netns/$ns ]]; then run rm -rf -- "/etc/netns/$ns"; fi
  removed=$((removed + 1))
done < <(ip netns list)

# /etc/netns/<ns> directories whose namespace is already gone.
if [[ -d /etc/netns ]]; then
  for dir in /etc/netns/eni-vpc-* /etc/netns/eni-guest-*; do
    [[ -d $dir ]] || continue
    name=${dir##*/}
    [[ $name =~ ^eni-(vpc|guest)-[0-9]+-[0-9]+$ ]] || continue
    ip netns list | grep -q "^$name\b" && continue
    echo "removing stale $dir"
    run rm -rf -- "$dir"
  done
fi

# Temp dirs of testbeds whose creator is gone: ${TMPDIR:-/tmp}/eni-testbed-<pid>-XXXXXX.
for dir in "${TMPDIR:-/tmp}"/eni-testbed-*; do
  [[ -d $dir ]] || continue
  [[ ${dir##*/} =~ ^eni-testbed-([0-9]+)-[A-Za-z0-9]{6}$ ]] || continue
  owner=${BASH_REMATCH[1]}
  if [[ $all -eq 0 ]] && alive "$owner"; then continue; fi
  echo "removing stale $dir"
  run rm -rf -- "$dir"
done

echo "testbed-cleanup: $removed namespace(s) removed"
echo "note: dhclient files (/run/dhclient*.pid, /var/lib/dhcp/dhclient*.leases) are not touched; check them by hand"
