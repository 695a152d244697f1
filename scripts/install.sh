#!/bin/sh
# Install the eni-agent systemd service: unit, config directory, state directory; enable and
# start it. Idempotent: re-running changes nothing that is already right (an existing
# config.yaml is never overwritten; the service is restarted only when the unit changed).
#
#   scripts/install.sh [--bin PATH] [--unit FILE] [--root DIR] [--dry-run] [--no-start]
#
#   --bin PATH   the eni-agent executable (default: `command -v eni-agent`; install the package
#                first: npm install -g ecs-eni-agent, or the npm pack tarball)
#   --unit FILE  the unit to install (default: systemd/eni-agent.service next to this script,
#                else the one in the globally installed package)
#   --root DIR   install into DIR instead of / (an image tree or a test): files and
#                `systemctl --root=DIR enable` only; nothing is started
#   --dry-run    print what would be done, change nothing
#   --no-start   enable but do not start (or restart) the service
set -eu

ROOT=/
BIN=
UNIT_SRC=
DRY_RUN=0
START=1
NAME=eni-agent.service

usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=${2:?--bin needs a path}; shift 2 ;;
    --unit) UNIT_SRC=${2:?--unit needs a file}; shift 2 ;;
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --no-start) START=0; shift ;;
    -h|--help) usage ;;
    *) echo "install.sh: unknown option $1" >&2; usage ;;
  esac
done

say() { echo "install.sh: $*"; }
run() {
  if [ "$DRY_RUN" = 1 ]; then say "would run: $*"; else "$@"; fi
}
live() { [ "$ROOT" = / ]; }
p() { if live; then printf '%s' "$1"; else printf '%s%s' "${ROOT%/}" "$1"; fi; }

[ "$(id -u)" = 0 ] || [ "$DRY_RUN" = 1 ] || ! live || { echo "install.sh: run as root" >&2; exit 1; }

if [ -z "$BIN" ]; then
  BIN=$(command -v eni-agent || true)
  [ -n "$BIN" ] || { echo "install.sh: eni-agent not found in PATH; npm install -g ecs-eni-agent first, or pass --bin" >&2; exit 1; }
fi
case "$BIN" in /*) ;; *) echo "install.sh: --bin must be an absolute path" >&2; exit 1 ;; esac
live && [ ! -x "$BIN" ] && { echo "install.sh: $BIN is not executable" >&2; exit 1; }

if [ -z "$UNIT_SRC" ]; then
  here=$(cd "$(dirname "$0")" && pwd)
  UNIT_SRC="$here/../systemd/$NAME"
  if [ ! -f "$UNIT_SRC" ] && command -v npm >/dev/null 2>&1; then
    UNIT_SRC="$(npm root -g)/ecs-eni-agent/systemd/$NAME"
  fi
fi
[ -f "$UNIT_SRC" ] || { echo "install.sh: unit file $UNIT_SRC not found (pass --unit)" >&2; exit 1; }

# 1. Config and state directories; a default config only when there is none.
run install -d -m 0755 "$(p /etc/eni-agent)"
run install -d -m 0700 "$(p /var/lib/eni-agent)"
CONFIG=$(p /etc/eni-agent/config.yaml)
if [ -e "$CONFIG" ]; then
  say "keeping existing $CONFIG"
elif [ "$DRY_RUN" = 1 ]; then
  say "would write a default $CONFIG"
else
  umask 022
  cat > "$CONFIG.tmp.$$" <<'CFG'
# eni-agent configuration; every key is optional (defaults shown). Unknown keys are an error.
# daemon:
#   schedule: "* * * * *"      # drift repair (node-cron; seconds allowed as a 6th field)
#   watchLinks: true
# metrics:
#   textfile: /var/lib/node_exporter/textfile_collector/eni_agent.prom   # null to disable
CFG
  mv "$CONFIG.tmp.$$" "$CONFIG"
  say "wrote $CONFIG"
fi

# 2. The unit, ExecStart pointing at this host's binary; replaced only when different.
UNIT_DST=$(p /etc/systemd/system/$NAME)
run install -d -m 0755 "$(dirname "$UNIT_DST")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sed "s|^ExecStart=/usr/bin/eni-agent |ExecStart=$BIN |" "$UNIT_SRC" > "$tmp"
changed=0
if [ -f "$UNIT_DST" ] && cmp -s "$tmp" "$UNIT_DST"; then
  say "$UNIT_DST is up to date"
else
  changed=1
  run install -m 0644 "$tmp" "$UNIT_DST"
  say "installed $UNIT_DST (ExecStart=$BIN daemon)"
fi

# 3. Enable (and start) it.
if live; then
  [ "$changed" = 1 ] && run systemctl daemon-reload
  run systemctl enable "$NAME"
  if [ "$START" = 1 ]; then
    if [ "$changed" = 1 ] && systemctl is-active --quiet "$NAME"; then
      run systemctl restart "$NAME"
    else
      run systemctl start "$NAME"
    fi
  fi
else
  run systemctl --root="$ROOT" enable "$NAME"
  say "installed into $ROOT: not started"
fi
