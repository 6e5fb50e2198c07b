#!/usr/bin/env bash
# ensure-podman.sh - make sure Podman's Docker-compatible API answers on a socket, for the specs that
# prove @org/go's executors work against Podman as well as Docker.
#
# Usage:
#   tools/ensure-podman.sh          ensure `podman system service` answers on $ORG_GO_PODMAN_SOCK
#   tools/ensure-podman.sh --stop   stop the service this script started
#
# Behaviour: if the socket already answers GET /_ping, nothing changes. Otherwise, on Debian/Ubuntu as
# root, installs Debian's podman when it is missing and starts `podman system service --time=0` in the
# background (pidfile beside the socket), then waits for /_ping. Elsewhere it fails with what to do.
# Point the executors at it with the option engine=unix://<socket> or DOCKER_HOST=unix://<socket>.
#
# Environment:
#   ORG_GO_PODMAN_SOCK   socket path (default /run/org-go-podman.sock)
#   ENSURE_PODMAN_TIMEOUT seconds to wait for /_ping (default 30)
set -euo pipefail

LOG_PREFIX=ensure-podman
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

readonly SOCK=${ORG_GO_PODMAN_SOCK:-/run/org-go-podman.sock}
readonly PIDFILE=$SOCK.pid
readonly LOG=$SOCK.log
readonly WAIT_SECS=${ENSURE_PODMAN_TIMEOUT:-30}

answers() { curl -fsS --max-time 2 --unix-socket "$SOCK" http://podman/_ping >/dev/null 2>&1; }

if [ "${1:-}" = "--stop" ]; then
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    kill "$(cat "$PIDFILE")" && say "stopped podman system service (pid $(cat "$PIDFILE"))"
  else
    say "no podman service started by this script is running"
  fi
  rm -f "$PIDFILE"
  exit 0
elif [ $# -gt 0 ]; then
  die "unknown argument: $1" "usage: tools/ensure-podman.sh [--stop]"
fi

command -v curl >/dev/null 2>&1 || die "curl is missing (apt-get install curl)."
# conmon, which starts every container, runs in the service's working directory: when that folder has been
# deleted since (a test checkout removed), every container start fails ("Failed to get working directory",
# "write child: broken pipe"). Such a service is stopped and started again, from /.
if answers && [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  cwd=$(readlink "/proc/$(cat "$PIDFILE")/cwd" 2>/dev/null || true)
  if [ -z "$cwd" ] || [ ! -d "$cwd" ] || [ "${cwd% (deleted)}" != "$cwd" ]; then
    say "podman service (pid $(cat "$PIDFILE")) runs in a folder that is gone (${cwd:-unknown}): restarting it"
    kill "$(cat "$PIDFILE")" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break; sleep 0.25; done
    rm -f "$PIDFILE"
  fi
fi
if answers; then
  say "podman API already answers on unix://$SOCK"
  exit 0
fi

if ! command -v podman >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing podman (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman >"${TMPDIR:-/tmp}/org-go-podman-apt.log" 2>&1 ||
      die "apt-get install podman failed (log: ${TMPDIR:-/tmp}/org-go-podman-apt.log)."
  else
    die "podman is not installed." "Install it (Debian/Ubuntu: sudo apt-get install podman), then re-run this script."
  fi
fi

mkdir -p "$(dirname "$SOCK")"
rm -f "$SOCK"
# Podman gives containers its own default rlimits (open files, processes), which a machine that is itself
# a container may not grant ("error setting rlimit type 6/7: operation not permitted"). Containers started
# through this service get this machine's own limits instead.
conf=$SOCK.containers.conf
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[ "$nproc" = unlimited ] && nproc=65536
[ "$nproc" -gt 4096 ] 2>/dev/null && nproc=4096
printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' "$nofile" "$nofile" "$nproc" "$nproc" >"$conf"
say "starting: podman system service --time=0 unix://$SOCK (log: $LOG; limits: $conf)"
# From /, not the caller's folder: see above.
(cd / && CONTAINERS_CONF=$conf exec setsid podman system service --time=0 "unix://$SOCK" >"$LOG" 2>&1 </dev/null) &
echo $! >"$PIDFILE"
for _ in $(seq 1 "$((WAIT_SECS * 4))"); do
  if answers; then
    say "podman $(podman --version | awk '{print $3}') answers on unix://$SOCK"
    exit 0
  fi
  kill -0 "$(cat "$PIDFILE")" 2>/dev/null || die "podman system service exited; its log:" "$(tail -n 20 "$LOG")"
  sleep 0.25
done
die "podman system service did not answer within ${WAIT_SECS}s; its log:" "$(tail -n 20 "$LOG")"
