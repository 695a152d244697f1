#!/bin/sh
# Inverse of install.sh: stop and disable the service and remove its unit. Configuration
# (/etc/eni-agent) and state (/var/lib/eni-agent) are kept unless --purge. With --teardown the
# ENI configuration the agent created (files, rules, routes, aliases) is removed too, by
# `eni-agent teardown`, after the service has stopped; without it the ENIs stay configured.
#
#   scripts/uninstall.sh [--teardown] [--purge] [--bin PATH] [--root DIR] [--dry-run]
#
#   --root DIR   act on an image tree or a test tree (`systemctl --root=DIR disable`); nothing
#                is stopped, and --teardown runs `eni-agent teardown --root DIR` only with
#                --dry-run (it would act on this host's kernel)
set -eu

ROOT=/
BIN=
DRY_RUN=0
TEARDOWN=0
PURGE=0
NAME=eni-agent.service

usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --teardown) TEARDOWN=1; shift ;;
    --purge) PURGE=1; shift ;;
    --bin) BIN=${2:?--bin needs a path}; shift 2 ;;
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage ;;
    *) echo "uninstall.sh: unknown option $1" >&2; usage ;;
  esac
done

say() { echo "uninstall.sh: $*"; }
run() {
  if [ "$DRY_RUN" = 1 ]; then say "would run: $*"; else "$@"; fi
}
live() { [ "$ROOT" = / ]; }
p() { if live; then printf '%s' "$1"; else printf '%s%s' "${ROOT%/}" "$1"; fi; }

[ "$(id -u)" = 0 ] || [ "$DRY_RUN" = 1 ] || ! live || { echo "uninstall.sh: run as root" >&2; exit 1; }
[ -n "$BIN" ] || BIN=$(command -v eni-agent || echo eni-agent)

UNIT_DST=$(p /etc/systemd/system/$NAME)
if live; then
  if systemctl cat "$NAME" >/dev/null 2>&1; then
    run systemctl disable --now "$NAME"
  else
    say "$NAME is not installed"
  fi
else
  [ -f "$UNIT_DST" ] && run systemctl --root="$ROOT" disable "$NAME"
fi

if [ "$TEARDOWN" = 1 ]; then
  if live; then
    run "$BIN" teardown
  elif [ "$DRY_RUN" = 1 ]; then
    run "$BIN" teardown --root "$ROOT"
  else
    say "--teardown with --root acts on this host's kernel; run it with --dry-run or by hand"
  fi
fi

if [ -f "$UNIT_DST" ]; then
  run rm -f "$UNIT_DST"
  live && run systemctl daemon-reload
else
  say "$UNIT_DST already gone"
fi

if [ "$PURGE" = 1 ]; then
  run rm -rf "$(p /etc/eni-agent)" "$(p /var/lib/eni-agent)"
fi
say "done"
