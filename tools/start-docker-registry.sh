#!/usr/bin/env bash
# start-docker-registry.sh - a throwaway local image registry for @org/go tests.
#
# Runs Debian's docker-registry (CNCF distribution 2.x) as a plain background
# process on 127.0.0.1:${REGISTRY_PORT:-5055}, with its own configuration and
# storage, so pushing images can be tried on a machine that reaches no real
# registry. Docker allows plain HTTP to 127.0.0.0/8 registries, so no TLS or
# daemon configuration is needed:
#   docker tag orders:dev 127.0.0.1:5055/orders:dev
#   docker push 127.0.0.1:5055/orders:dev
#
# Usage:
#   tools/start-docker-registry.sh              start (or confirm it is running)
#   tools/start-docker-registry.sh --selftest   start, then push a local image
#                                               and read it back via /v2/
#   tools/start-docker-registry.sh --stop       stop it (stored images are kept)
#   tools/start-docker-registry.sh --purge      stop it and delete its storage
#
# Environment:
#   REGISTRY_PORT        port on 127.0.0.1 (default 5055)
#   ORG_GO_REGISTRY_DIR  config, storage, pidfile and log
#                        (default /var/lib/org-go-registry as root,
#                        else /tmp/org-go-registry-<uid>)
#   SELFTEST_IMAGE       image pushed by --selftest (default: the distroless
#                        stand-in made by seed-base-images.sh, else any image)
#
# Idempotent: a registry this script started and that still answers is left
# alone. Installs the docker-registry package with apt-get when it is missing
# (root on Debian/Ubuntu only).

set -euo pipefail

readonly PORT=${REGISTRY_PORT:-5055}
readonly ADDR=127.0.0.1:$PORT
if [ "$(id -u)" -eq 0 ]; then
  readonly DIR=${ORG_GO_REGISTRY_DIR:-/var/lib/org-go-registry}
else
  readonly DIR=${ORG_GO_REGISTRY_DIR:-${TMPDIR:-/tmp}/org-go-registry-$(id -u)}
fi
readonly CONFIG=$DIR/config.yml
readonly DATA=$DIR/data
readonly PIDFILE=$DIR/registry.pid
readonly LOG=$DIR/registry.log
readonly WAIT_SECS=30

action=start
case "${1:-}" in
  "") ;;
  --stop) action=stop ;;
  --purge) action=purge ;;
  --selftest) action=selftest ;;
  -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
  *) echo "start-docker-registry: unknown argument: $1" >&2; exit 2 ;;
esac

say() { printf 'start-docker-registry: %s\n' "$*"; }
die() {
  printf 'start-docker-registry: ERROR: %s\n' "$1" >&2
  shift
  local line
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}

case "$PORT" in
  '' | *[!0-9]*) die "REGISTRY_PORT must be a port number (got '$PORT')." ;;
esac

export PATH="$PATH:/usr/sbin:/sbin"

# v2_status - HTTP status of GET /v2/ (000 when nothing answers).
v2_status() {
  curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$ADDR/v2/" 2>/dev/null || true
}

our_pid_alive() {
  [ -s "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = docker-registry ]
}

stop_registry() {
  if ! our_pid_alive; then
    say "not running (no live pid in $PIDFILE)"
    rm -f "$PIDFILE"
    return 0
  fi
  local pid i
  pid=$(cat "$PIDFILE")
  kill -TERM "$pid"
  for ((i = 0; i < 40; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -0 "$pid" 2>/dev/null && die "registry pid $pid did not stop."
  rm -f "$PIDFILE"
  say "stopped (pid $pid)"
}

write_config() {
  mkdir -p "$DATA"
  # Own config: no authentication, filesystem storage in $DATA, deletes
  # allowed so tests can clean up, listening on loopback only.
  cat >"$CONFIG.tmp" <<EOF
version: 0.1
log:
  level: info
  fields:
    service: org-go-registry
storage:
  filesystem:
    rootdirectory: $DATA
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $ADDR
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  mv -f "$CONFIG.tmp" "$CONFIG"
}

ensure_installed() {
  command -v curl >/dev/null 2>&1 || install_pkgs curl
  command -v docker-registry >/dev/null 2>&1 && return 0
  install_pkgs docker-registry
  command -v docker-registry >/dev/null 2>&1 || die "docker-registry is still missing after installing it."
  # The package may enable its own service on :5000; it does not matter here,
  # this instance has its own port, config and storage.
}

install_pkgs() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    die "$* is not installed." \
      "Install it (Debian/Ubuntu: sudo apt-get install $*) or run this script as root."
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >"${TMPDIR:-/tmp}/org-go-apt.log" 2>&1 || die "apt-get update failed (log: ${TMPDIR:-/tmp}/org-go-apt.log)."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"${TMPDIR:-/tmp}/org-go-apt.log" 2>&1 ||
    die "apt-get install $* failed (log: ${TMPDIR:-/tmp}/org-go-apt.log)."
}

start_registry() {
  ensure_installed
  if our_pid_alive && [ "$(v2_status)" = 200 ]; then
    say "already running (pid $(cat "$PIDFILE"))"
    return 0
  fi
  local status
  status=$(v2_status)
  if ! our_pid_alive && [ "$status" != 000 ]; then
    if [ "$status" = 200 ]; then
      say "a registry not started by this script already answers on $ADDR; using it"
      return 0
    fi
    die "something else already listens on $ADDR (GET /v2/ gave HTTP $status)." \
      "Pick another port: REGISTRY_PORT=$((PORT + 1)) $0"
  fi
  if our_pid_alive; then
    say "registry pid $(cat "$PIDFILE") is still starting; waiting"
  else
    mkdir -p "$DIR"
    write_config
    printf '\n=== %s: docker-registry serve %s\n' "$(date -u +%FT%TZ)" "$CONFIG" >>"$LOG"
    # setsid: keeps running after the calling shell or CI step ends.
    setsid nohup docker-registry serve "$CONFIG" >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  local i
  for ((i = 0; i < WAIT_SECS * 4; i++)); do
    [ "$(v2_status)" = 200 ] && return 0
    if ! our_pid_alive; then
      tail -n 15 "$LOG" >&2
      rm -f "$PIDFILE"
      die "docker-registry exited during start-up (log above, full log: $LOG)."
    fi
    sleep 0.25
  done
  tail -n 15 "$LOG" >&2
  die "docker-registry did not answer http://$ADDR/v2/ within ${WAIT_SECS}s (log: $LOG)."
}

selftest() {
  command -v docker >/dev/null 2>&1 || die "--selftest needs the docker CLI."
  local image=${SELFTEST_IMAGE:-}
  if [ -z "$image" ]; then
    if docker image inspect gcr.io/distroless/static-debian12:nonroot >/dev/null 2>&1; then
      image=gcr.io/distroless/static-debian12:nonroot
    else
      image=$(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>' | head -n1 || true)
    fi
  fi
  [ -n "$image" ] || die "--selftest found no local image to push (run tools/seed-base-images.sh)."
  local ref=$ADDR/org-go-selftest:1 tags
  mkdir -p "$DIR"
  say "selftest: pushing $image as $ref"
  docker tag "$image" "$ref"
  if ! docker push "$ref" >"$DIR/selftest-push.log" 2>&1; then
    docker image rm "$ref" >/dev/null 2>&1 || true
    tail -n 10 "$DIR/selftest-push.log" >&2
    die "docker push $ref failed."
  fi
  docker image rm "$ref" >/dev/null
  tags=$(curl -fsS -m 5 "http://$ADDR/v2/org-go-selftest/tags/list") ||
    die "GET /v2/org-go-selftest/tags/list failed."
  case "$tags" in
    *'"1"'*) say "selftest: ok, GET /v2/org-go-selftest/tags/list -> $tags" ;;
    *) die "pushed tag 1 is not listed: $tags" ;;
  esac
}

case "$action" in
  stop) stop_registry ;;
  purge)
    stop_registry
    rm -rf "$DIR"
    say "removed $DIR"
    ;;
  start | selftest)
    start_registry
    say "registry ready at $ADDR (http://$ADDR/v2/, storage $DATA, log $LOG)"
    [ "$action" = selftest ] && selftest
    echo "REGISTRY=$ADDR"
    ;;
esac
