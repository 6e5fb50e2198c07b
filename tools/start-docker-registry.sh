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
#   tools/start-docker-registry.sh --restart    stop it, then start it again with
#                                               the same storage
#   tools/start-docker-registry.sh --purge      stop it and delete its storage
#
# More than one registry: give each its own REGISTRY_PORT and
# ORG_GO_REGISTRY_DIR, e.g. an open one and one with htpasswd auth:
#   REGISTRY_PORT=5056 ORG_GO_REGISTRY_DIR=/tmp/reg-auth \
#   ORG_GO_REGISTRY_USER=ci ORG_GO_REGISTRY_PASSWORD=secret \
#     tools/start-docker-registry.sh
#   docker login 127.0.0.1:5056 -u ci
#
# Environment:
#   REGISTRY_PORT        port on 127.0.0.1 (default 5055)
#   ORG_GO_REGISTRY_DIR  config, storage, pidfile and log
#                        (default /var/lib/org-go-registry as root,
#                        else /tmp/org-go-registry-<uid>)
#   SELFTEST_IMAGE       image pushed by --selftest (default: the distroless
#                        stand-in made by seed-base-images.sh, else any image)
#   ORG_GO_REGISTRY_USER, ORG_GO_REGISTRY_PASSWORD
#                        require HTTP basic auth with this user (an htpasswd
#                        file with a bcrypt entry in ORG_GO_REGISTRY_DIR; needs
#                        htpasswd from apache2-utils)
#
# Idempotent: a registry this script started and that still answers is left
# alone. Installs the docker-registry (and, for auth, apache2-utils) package
# with apt-get when it is missing (root on Debian/Ubuntu only).

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
readonly HTPASSWD=$DIR/htpasswd
readonly WAIT_SECS=30
readonly AUTH_USER=${ORG_GO_REGISTRY_USER:-}
readonly AUTH_PASSWORD=${ORG_GO_REGISTRY_PASSWORD:-}

action=start
case "${1:-}" in
  "") ;;
  --stop) action=stop ;;
  --restart) action=restart ;;
  --purge) action=purge ;;
  --selftest) action=selftest ;;
  -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
  *) echo "start-docker-registry: unknown argument: $1" >&2; exit 2 ;;
esac

LOG_PREFIX=start-docker-registry
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

case "$PORT" in
  '' | *[!0-9]*) die "REGISTRY_PORT must be a port number (got '$PORT')." ;;
esac
if { [ -n "$AUTH_USER" ] && [ -z "$AUTH_PASSWORD" ]; } || { [ -z "$AUTH_USER" ] && [ -n "$AUTH_PASSWORD" ]; }; then
  die "ORG_GO_REGISTRY_USER and ORG_GO_REGISTRY_PASSWORD go together (got only one)."
fi
case "$AUTH_USER" in
  *:*) die "ORG_GO_REGISTRY_USER must not contain ':'." ;;
esac

export PATH="$PATH:/usr/sbin:/sbin"

# ready_status - the GET /v2/ status of a registry that is up: 200 when open,
# 401 when it asks for credentials.
ready_status() {
  if [ -n "$AUTH_USER" ]; then echo 401; else echo 200; fi
}

# v2_status - HTTP status of GET /v2/ (000 when nothing answers).
v2_status() {
  curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$ADDR/v2/" 2>/dev/null || true
}

# running PID - the process exists and has not exited: a killed registry whose
# parent is gone can linger as a zombie until something reaps it.
running() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null || true)
  [ "$state" != Z ] && [ "$state" != X ]
}

our_pid_alive() {
  [ -s "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  running "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = docker-registry ]
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
  for ((i = 0; i < 100; i++)); do
    running "$pid" || break
    sleep 0.1
  done
  running "$pid" && die "registry pid $pid did not stop."
  rm -f "$PIDFILE"
  say "stopped (pid $pid)"
}

write_htpasswd() {
  # bcrypt is the only scheme distribution accepts; the password goes in on
  # stdin so it never shows in the process list.
  printf '%s\n' "$AUTH_PASSWORD" | htpasswd -niB "$AUTH_USER" >"$HTPASSWD.tmp" 2>/dev/null ||
    die "htpasswd could not hash the password."
  grep -q "^$AUTH_USER:\\\$2y\\\$" "$HTPASSWD.tmp" || die "htpasswd wrote no bcrypt entry for $AUTH_USER."
  chmod 600 "$HTPASSWD.tmp"
  mv -f "$HTPASSWD.tmp" "$HTPASSWD"
}

write_config() {
  mkdir -p "$DATA"
  local auth=''
  if [ -n "$AUTH_USER" ]; then
    write_htpasswd
    auth="auth:
  htpasswd:
    realm: org-go-registry
    path: $HTPASSWD"
  else
    rm -f "$HTPASSWD"
  fi
  # Own config: filesystem storage in $DATA, deletes allowed so tests can
  # clean up, listening on loopback only; basic auth only when asked.
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
$auth
EOF
  mv -f "$CONFIG.tmp" "$CONFIG"
}

ensure_installed() {
  command -v curl >/dev/null 2>&1 || install_pkgs curl
  if [ -n "$AUTH_USER" ] && ! command -v htpasswd >/dev/null 2>&1; then
    install_pkgs apache2-utils
  fi
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
  local ready
  ready=$(ready_status)
  if our_pid_alive && [ "$(v2_status)" = "$ready" ]; then
    say "already running (pid $(cat "$PIDFILE"))"
    return 0
  fi
  local status
  status=$(v2_status)
  if ! our_pid_alive && [ "$status" != 000 ]; then
    if [ "$status" = "$ready" ] && [ -z "$AUTH_USER" ]; then
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
    # setsid: keeps running after the calling shell or CI step ends. The
    # registry reads REGISTRY_* variables as configuration overrides, so none
    # of the caller's reach it, and neither does the password.
    (
      unset ORG_GO_REGISTRY_PASSWORD $(compgen -e | grep '^REGISTRY_' || true)
      exec setsid nohup docker-registry serve "$CONFIG" >>"$LOG" 2>&1 </dev/null
    ) &
    echo $! >"$PIDFILE"
  fi
  local i
  for ((i = 0; i < WAIT_SECS * 4; i++)); do
    [ "$(v2_status)" = "$ready" ] && return 0
    # Only the pid here: until exec reaches docker-registry its name differs.
    if ! running "$(cat "$PIDFILE")"; then
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
  restart)
    stop_registry
    start_registry
    say "registry ready at $ADDR (http://$ADDR/v2/, storage $DATA, log $LOG)"
    echo "REGISTRY=$ADDR"
    ;;
  purge)
    stop_registry
    rm -rf "$DIR"
    say "removed $DIR"
    ;;
  start | selftest)
    [ "$action" = selftest ] && [ -n "$AUTH_USER" ] && die "--selftest pushes without credentials; run it without ORG_GO_REGISTRY_USER."
    start_registry
    say "registry ready at $ADDR (http://$ADDR/v2/, storage $DATA, log $LOG)"
    [ "$action" = selftest ] && selftest
    echo "REGISTRY=$ADDR"
    ;;
esac
