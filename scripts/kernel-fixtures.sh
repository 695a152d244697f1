#!/usr/bin/env bash
# Capture the real `ip -N -json` outputs used by test/unit/core-kernel-parse.test.ts.
#
# Everything happens inside a throwaway network namespace created here (unique name, deleted on
# exit, even on failure). Links are created INSIDE it; no host interface is touched and no
# traffic is sent. Needs root and iproute2. Usage: sudo bash scripts/kernel-fixtures.sh
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=test/fixtures/kernel
NS="core-fixture-$$"
mkdir -p "$OUT"

ip netns add "$NS"
trap 'ip netns del "$NS" 2>/dev/null || true' EXIT
ipn() { ip -n "$NS" "$@"; }

ipn link add v0 type veth peer name v1
ipn link add w0 type veth peer name w1
# Upper-case on input: the kernel prints lower case, the parser lower-cases anyway.
ipn link set v0 address 00:16:3E:00:00:02
ipn link set v1 address 00:16:3e:00:00:99
ipn link set w0 address 00:16:3e:00:00:03
ipn link set lo up
ipn link set v0 up
ipn link set v1 up
# w0/w1 stay down.

ipn addr add 10.0.0.20/24 dev v0
ipn addr add 10.0.0.21/24 dev v0 label v0:0
ipn addr add 10.0.0.40/24 dev v1 valid_lft 300 preferred_lft 300
ipn addr add 2408:4005:0000::0001/64 dev v0 nodad

ipn route add default via 10.0.0.253 dev v0 metric 1001 proto 73
ipn route add 10.0.0.0/24 dev v0 table 1001 proto 73 scope link src 10.0.0.20
ipn route add default via 10.0.0.253 dev v0 table 1001 proto 73
ipn route add 192.168.5.0/24 via 10.0.0.253 dev v0 table 1002
ipn route add 192.168.6.7 dev v0 table 1002 proto static
ipn -6 route add 2408:4005:0:0:0:0:0:ffff via 2408:4005::fe dev v0 table 1001 proto 73

ipn rule add from 10.0.0.20 lookup 1001 priority 30001
ipn rule add from 10.0.0.21/32 lookup 1001 priority 30001
ipn rule add from 10.0.0.0/24 lookup 1002 priority 30002
ipn rule add from all lookup 1002 priority 100
ipn -6 rule add from 2408:4005::1 lookup 1001 priority 30001

OBSERVE=$'link show\naddr show\nroute show table all\nrule show\n'
# Exactly what src/kernel/observe.ts runs.
printf '%s' "$OBSERVE" | ip -n "$NS" -N -json -4 -batch - >"$OUT/observe-4.jsonl"
# Both families (to check IPv6 entries are parsed or skipped, never mistaken for IPv4).
printf '%s' "$OBSERVE" | ip -n "$NS" -N -json -batch - >"$OUT/observe-all.jsonl"
printf 'route show table all\nrule show\n' | ip -n "$NS" -N -json -6 -batch - >"$OUT/observe-6-routes-rules.jsonl"

# A batch with failing lines (2: duplicate route, 4: rule that does not exist), run with -force
# as src/kernel/batch.ts does; stderr is what parseBatchFailures reads.
set +e
printf '%s' $'route add 10.9.9.0/24 dev v0 table 1003 proto 73\nroute add 10.9.9.0/24 dev v0 table 1003 proto 73\nrule add from 10.0.0.22 lookup 1003 priority 30003\nrule del from 10.0.0.99 lookup 1003 priority 30003\naddr add 10.0.0.22/24 dev v0 label v0:1\n' |
  ip -n "$NS" -force -batch - 2>"$OUT/batch-failures.stderr"
echo "$?" >"$OUT/batch-failures.rc"
set -e
echo "captured into $OUT from namespace $NS"
