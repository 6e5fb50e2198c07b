#!/usr/bin/env bash
# ensure-docker.sh - make sure a Docker Engine answers for @org/go builds.
#
# Usage:
#   tools/ensure-docker.sh            ensure the main engine (DOCKER_HOST or
#                                     unix:///var/run/docker.sock) is up
#   tools/ensure-docker.sh --second   ensure a second, fully independent engine
#                                     on unix:///var/run/org-go-docker2.sock
#   tools/ensure-docker.sh --stop [--second]
#                                     stop an engine that this script started
#
# Behaviour:
#   * If the engine already answers GET /_ping, print which engine it is and
#     exit 0. Nothing is changed; re-running is always safe.
#   * Otherwise, on Debian/Ubuntu as root: install docker.io with apt-get when
#     dockerd is missing, then start dockerd in the background (through
#     systemd when systemd runs the machine, otherwise detached with setsid
#     and a pidfile) and wait for /_ping.
#   * Anywhere else (not root, not Debian/Ubuntu, macOS, or DOCKER_HOST set
#     to an engine that does not answer) fail at once with what to do.
#
# Environment knobs:
#   DOCKER_HOST                      engine to check (main mode only)
#   ENSURE_DOCKER_TIMEOUT            seconds to wait for /_ping (default 60)
#   ORG_GO_DOCKER_STORAGE_DRIVER     force a storage driver (overlay2, vfs, ...)
#   ORG_GO_DOCKER_IPTABLES           force iptables on/off (true|false)
#   ORG_GO_DOCKER2_BRIDGE_CIDR       gateway/prefix of the second engine's
#                                    bridge (default 172.31.254.1/24)
#
# Exit codes: 0 engine answers, 1 cannot be made to answer, 2 usage error.

set -euo pipefail

readonly DEFAULT_SOCK=/var/run/docker.sock
readonly SECOND_SOCK=/var/run/org-go-docker2.sock
readonly SECOND_BRIDGE=orggo-docker2
readonly WAIT_SECS=${ENSURE_DOCKER_TIMEOUT:-60}

mode=main
action=ensure

usage() {
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --second) mode=second ;;
    --stop) action=stop ;;
    -h | --help) usage; exit 0 ;;
    *) echo "ensure-docker: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

LOG_PREFIX=ensure-docker
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

# dockerd, containerd, runc and docker-proxy live in sbin/bin directories that
# are not always on PATH for non-login shells.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"

# ---------------------------------------------------------------------------
# Talking to an engine
# ---------------------------------------------------------------------------

# curl_engine HOST PATH - GET an API path on HOST; prints the body.
# unix:// and tcp:// (with DOCKER_TLS_VERIFY certificates when set) are asked
# with curl, which works whatever API version the engine speaks; other
# schemes (ssh://) go through the docker CLI, which negotiates the version.
curl_engine() {
  local host=$1 path=$2
  case "$host" in
    unix://*)
      command -v curl >/dev/null 2>&1 || return 3
      curl -fsS --max-time 3 --unix-socket "${host#unix://}" "http://localhost${path}" 2>/dev/null
      ;;
    tcp://*)
      command -v curl >/dev/null 2>&1 || return 3
      if [ -n "${DOCKER_TLS_VERIFY:-}" ]; then
        local certs=${DOCKER_CERT_PATH:-$HOME/.docker}
        curl -fsS --max-time 3 --cacert "$certs/ca.pem" --cert "$certs/cert.pem" \
          --key "$certs/key.pem" "https://${host#tcp://}${path}" 2>/dev/null
      else
        curl -fsS --max-time 3 "http://${host#tcp://}${path}" 2>/dev/null
      fi
      ;;
    *)
      [ "$path" = /_ping ] || return 1
      command -v docker >/dev/null 2>&1 || return 3
      DOCKER_HOST=$host timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1 &&
        printf 'OK'
      ;;
  esac
}

engine_answers() {
  local out rc=0
  out=$(curl_engine "$1" /_ping) || rc=$?
  if [ "$rc" = 3 ] && command -v docker >/dev/null 2>&1; then
    # no curl on this machine: ask through the CLI instead
    DOCKER_HOST=$1 timeout 10 docker version >/dev/null 2>&1
    return
  fi
  [ "$out" = OK ]
}

# json_str JSON KEY - first "KEY":"value" string in a flat JSON document.
json_str() {
  printf '%s' "$1" | grep -o "\"$2\":\"[^\"]*\"" | head -n1 | sed 's/^"[^"]*":"//; s/"$//'
}

describe_engine() {
  local host=$1 version info
  version=$(curl_engine "$host" /version || true)
  info=$(curl_engine "$host" /info || true)
  if [ -n "$version" ]; then
    printf 'Docker Engine %s (API %s, %s, storage %s, cgroup %s) at %s' \
      "$(json_str "$version" Version)" "$(json_str "$version" ApiVersion)" \
      "$(json_str "$version" Os)/$(json_str "$version" Arch)" \
      "$(json_str "$info" Driver)" "$(json_str "$info" CgroupDriver)" "$host"
  else
    printf 'Docker Engine at %s' "$host"
  fi
}

# ---------------------------------------------------------------------------
# Preconditions for starting an engine ourselves
# ---------------------------------------------------------------------------

is_debian_like() {
  [ -r /etc/os-release ] || return 1
  local id id_like
  # shellcheck disable=SC1091 # machine file, read at run time
  id=$(. /etc/os-release && printf '%s' "${ID:-}")
  # shellcheck disable=SC1091
  id_like=$(. /etc/os-release && printf '%s' "${ID_LIKE:-}")
  case " $id $id_like " in
    *" debian "* | *" ubuntu "*) command -v apt-get >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

# has_engine_caps - the effective capabilities include CAP_SYS_ADMIN (21,
# mounts, cgroups) and CAP_NET_ADMIN (12, bridges), without which dockerd
# cannot start.
has_engine_caps() {
  local eff
  eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status 2>/dev/null)
  [ -n "$eff" ] || return 0
  (((0x$eff >> 21) & 1)) && (((0x$eff >> 12) & 1))
}

cannot_start_here() {
  local host=$1
  if [ "$(uname -s)" != Linux ]; then
    die "no Docker Engine answers at $host." \
      "On macOS/Windows start Docker Desktop (or Colima, Rancher Desktop, OrbStack)" \
      "and re-run. If its socket is not the default one, export DOCKER_HOST," \
      "e.g. DOCKER_HOST=unix://\$HOME/.docker/run/docker.sock"
  fi
  # A rootless or desktop engine of the current user may already be running.
  local candidate
  for candidate in "${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/docker.sock" "$HOME/.docker/run/docker.sock" \
    "$HOME/.docker/desktop/docker.sock"; do
    if [ -S "$candidate" ] && engine_answers "unix://$candidate"; then
      die "no Docker Engine answers at $host, but one answers at unix://$candidate." \
        "Use it with:  export DOCKER_HOST=unix://$candidate"
    fi
  done
  local sock=${host#unix://}
  if [ "$host" != "$sock" ] && [ -S "$sock" ] && [ ! -w "$sock" ]; then
    die "$sock exists but this user ($(id -un)) may not use it (permission denied)." \
      "Add the user to the socket's group and log in again:" \
      "  sudo usermod -aG $(stat -c %G "$sock") $(id -un)" \
      "or run the command as root."
  fi
  if [ "$(id -u)" -ne 0 ]; then
    die "no Docker Engine answers at $host and this script can only start one as root." \
      "Either start Docker yourself (sudo systemctl start docker, Docker Desktop," \
      "or a rootless dockerd) and export DOCKER_HOST if it is not $host," \
      "or re-run as root:  sudo $0$([ "$mode" = second ] && printf ' --second')"
  fi
  if ! has_engine_caps; then
    die "no Docker Engine answers at $host, and this root user lacks the privileges" \
      "dockerd needs (CAP_SYS_ADMIN and CAP_NET_ADMIN); this looks like an unprivileged" \
      "container. Use an engine outside it instead: mount its socket" \
      "(-v /var/run/docker.sock:/var/run/docker.sock) or set DOCKER_HOST, or run this" \
      "container with --privileged."
  fi
  if ! is_debian_like; then
    die "no Docker Engine answers at $host and this is not a Debian/Ubuntu machine," \
      "so it will not be installed automatically. Install Docker Engine with your" \
      "distribution's package manager, start it, and re-run (or set DOCKER_HOST)."
  fi
}

APT_UPDATED=0
apt_install() {
  # apt_install PKG... - install Debian packages non-interactively.
  if [ "$APT_UPDATED" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"${TMPDIR:-/tmp}/org-go-apt.log" 2>&1 ||
      die "apt-get update failed (log: ${TMPDIR:-/tmp}/org-go-apt.log); check the apt sources and network."
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"${TMPDIR:-/tmp}/org-go-apt.log" 2>&1 ||
    die "apt-get install $* failed (log: ${TMPDIR:-/tmp}/org-go-apt.log)."
}

ensure_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd is still missing after installing docker.io."
}

# ---------------------------------------------------------------------------
# Choosing dockerd flags that work on this machine
# ---------------------------------------------------------------------------

# Storage driver.
#   overlay2        fast, the normal choice; needs a kernel overlay mount that
#                   works on the data-root's filesystem. Docker refuses
#                   overlay2 on top of overlayfs (typical inside containers),
#                   so that case counts as "does not work".
#   fuse-overlayfs  same layering through FUSE when /dev/fuse exists but the
#                   kernel overlay mount is refused (nested/unprivileged).
#   vfs             always works: every layer is a full copy. Slow and large,
#                   but correct.
# A data-root that already holds images keeps the driver it was created with,
# otherwise those images would silently disappear.
overlay_mount_works() {
  local root=$1 probe ok=1
  mkdir -p "$root"
  case "$(stat -f -c %T "$root" 2>/dev/null)" in
    overlayfs | overlay) return 1 ;;
  esac
  probe=$(mktemp -d "$root/.overlay-probe.XXXXXX") || return 1
  mkdir -p "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
  : >"$probe/lower/file"
  if mount -t overlay overlay \
    -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
    if [ -e "$probe/merged/file" ]; then ok=0; fi
    umount "$probe/merged" 2>/dev/null || true
  fi
  rm -rf "$probe"
  return $ok
}

pick_storage_driver() {
  local root=$1 d
  if [ -n "${ORG_GO_DOCKER_STORAGE_DRIVER:-}" ]; then
    printf '%s' "$ORG_GO_DOCKER_STORAGE_DRIVER"
    return
  fi
  for d in overlay2 fuse-overlayfs vfs; do
    if [ -d "$root/image/$d" ]; then
      case "$d" in
        overlay2) overlay_mount_works "$root" && { printf overlay2; return; } ;;
        fuse-overlayfs) [ -c /dev/fuse ] && command -v fuse-overlayfs >/dev/null 2>&1 &&
          { printf fuse-overlayfs; return; } ;;
        vfs) printf vfs; return ;;
      esac
    fi
  done
  if overlay_mount_works "$root"; then
    printf overlay2
  elif [ -c /dev/fuse ] && { command -v fuse-overlayfs >/dev/null 2>&1 ||
    { apt_install fuse-overlayfs >&2 && command -v fuse-overlayfs >/dev/null 2>&1; }; }; then
    printf fuse-overlayfs
  else
    printf vfs
  fi
}

# iptables: the engine uses it for outbound NAT of containers and to publish
# ports. If the nat table cannot be read (no netfilter in the kernel, or no
# CAP_NET_ADMIN) dockerd would refuse to start, so it is turned off; published
# ports on 127.0.0.1 still work through docker-proxy, only container egress
# is lost.
iptables_works() {
  case "${ORG_GO_DOCKER_IPTABLES:-}" in
    true) return 0 ;;
    false) return 1 ;;
  esac
  iptables -t nat -S >/dev/null 2>&1 && iptables -t filter -S >/dev/null 2>&1
}

# cgroups: dockerd needs a cgroup hierarchy (v1 controllers or unified v2).
# When systemd is not PID 1 (containers, microVMs, WSL without systemd) the
# systemd cgroup driver cannot work, so the cgroupfs driver is named
# explicitly. When nothing is mounted at all, a cgroup2 hierarchy is mounted.
ensure_cgroups() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ] || [ -d /sys/fs/cgroup/memory ] ||
    [ -d /sys/fs/cgroup/cpu ] || [ -d /sys/fs/cgroup/pids ]; then
    return 0
  fi
  if grep -qw cgroup2 /proc/filesystems && mkdir -p /sys/fs/cgroup &&
    mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null; then
    say "mounted a cgroup2 hierarchy on /sys/fs/cgroup"
    return 0
  fi
  die "no cgroup hierarchy is mounted under /sys/fs/cgroup and mounting one failed." \
    "Containers cannot run here; use a machine or VM with cgroups (or Docker Desktop)."
}

cgroup_flags() {
  if [ -d /run/systemd/system ]; then
    return 0 # let dockerd choose (systemd on cgroup v2, cgroupfs on v1)
  fi
  printf '%s\n' --exec-opt native.cgroupdriver=cgroupfs
}

# ---------------------------------------------------------------------------
# Starting / stopping
# ---------------------------------------------------------------------------

pid_alive() {
  local pidfile=$1 pid
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
  # a killed dockerd whose parent has not reaped it yet is a zombie, not alive
  [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]
}

wait_for_engine() {
  local host=$1 pidfile=$2 log=$3 i
  for ((i = 0; i < WAIT_SECS * 2; i++)); do
    if engine_answers "$host"; then return 0; fi
    if [ -n "$pidfile" ] && [ "$i" -gt 4 ] && ! pid_alive "$pidfile"; then
      [ -f "$log" ] && tail -c "+$((LOG_OFFSET + 1))" "$log" | tail -n 25 >&2
      die "dockerd exited during start-up (log above, full log: $log)."
    fi
    sleep 0.5
  done
  [ -f "$log" ] && tail -c "+$((LOG_OFFSET + 1))" "$log" | tail -n 25 >&2
  die "dockerd did not answer $host within ${WAIT_SECS}s (full log: $log)."
}

# daemon_json_has KEY - the default daemon.json already sets KEY (passing
# the same setting as a flag would make dockerd refuse to start).
daemon_json_has() {
  [ -f /etc/docker/daemon.json ] && grep -q "\"$1\"" /etc/docker/daemon.json
}

LOG_OFFSET=0
start_detached() {
  local log=$1
  shift
  mkdir -p "$(dirname "$log")"
  LOG_OFFSET=$(stat -c %s "$log" 2>/dev/null || echo 0)
  printf '\n=== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
  # setsid: own session, survives the caller's terminal / CI step ending. From /, not the caller's folder,
  # which may be a checkout that is deleted while the engine keeps running.
  (cd / && exec setsid nohup "$@" >>"$log" 2>&1 </dev/null) &
}

start_main_engine() {
  local host=unix://$DEFAULT_SOCK
  local pidfile=/var/run/docker.pid log=/var/log/org-go-dockerd.log data_root=/var/lib/docker
  ensure_packages

  # The package's post-install step may have started the service already.
  if engine_answers "$host"; then return 0; fi

  # On a systemd machine the packaged service is the right way to run it.
  if [ -d /run/systemd/system ] && systemctl cat docker.service >/dev/null 2>&1; then
    say "starting docker.service through systemd"
    systemctl start docker.service || die "systemctl start docker failed; see: journalctl -u docker"
    wait_for_engine "$host" "" /dev/null
    return 0
  fi

  if pid_alive "$pidfile"; then
    say "dockerd (pid $(cat "$pidfile")) is already starting; waiting for it"
    wait_for_engine "$host" "$pidfile" "$log"
    return 0
  fi
  rm -f "$pidfile"

  ensure_cgroups
  local flags=(--host "$host" --pidfile "$pidfile")
  local driver
  if ! daemon_json_has storage-driver; then
    driver=$(pick_storage_driver "$data_root")
    flags+=(--storage-driver "$driver")
  fi
  if ! daemon_json_has iptables && ! iptables_works; then
    flags+=(--iptables=false)
  fi
  if ! daemon_json_has exec-opts; then
    mapfile -t -O "${#flags[@]}" flags < <(cgroup_flags)
  fi

  say "starting: dockerd ${flags[*]}  (log: $log)"
  start_detached "$log" dockerd "${flags[@]}"
  wait_for_engine "$host" "$pidfile" "$log"
}

# The second engine shares the kernel, network namespace and cgroup tree with
# the first, so everything that is per-daemon state is separated:
#   --data-root / --exec-root   own images, containers, containerd and runc state
#   --pidfile / --host          own pidfile and API socket
#   --bridge                    own Linux bridge (created here, with its own
#                               subnet) instead of docker0
#   --iptables=false            dockerd flushes and rebuilds its DOCKER* chains
#                               at start-up; two daemons doing that in one
#                               network namespace would delete each other's
#                               rules. Published ports keep working through
#                               docker-proxy; outbound NAT for the bridge is
#                               added below as two tagged rules.
#   --cgroup-parent             own cgroup subtree
#   --config-file               empty config so /etc/docker/daemon.json of the
#                               first engine does not leak in
readonly SECOND_DATA=/var/lib/org-go-docker2
readonly SECOND_EXEC=/var/run/org-go-docker2
readonly SECOND_PID=/var/run/org-go-docker2.pid
readonly SECOND_LOG=/var/log/org-go-dockerd2.log
readonly SECOND_CONF=/etc/org-go/docker2-daemon.json
readonly SECOND_CIDR=${ORG_GO_DOCKER2_BRIDGE_CIDR:-172.31.254.1/24}

second_subnet() {
  # 172.31.254.1/24 -> 172.31.254.0/24 (only /24 and shorter on octet borders
  # are expected; anything else is passed through unchanged)
  local ip=${SECOND_CIDR%/*} len=${SECOND_CIDR#*/}
  case "$len" in
    24) printf '%s.0/24' "${ip%.*}" ;;
    16) local a=${ip%.*}; printf '%s.0.0/16' "${a%.*}" ;;
    *) printf '%s' "$SECOND_CIDR" ;;
  esac
}

second_nat_rules() {
  # prints iptables rule specs (table, chain, rule...) for the second bridge
  local subnet
  subnet=$(second_subnet)
  printf '%s\n' \
    "nat POSTROUTING -s $subnet ! -o $SECOND_BRIDGE -j MASQUERADE -m comment --comment org-go-docker2" \
    "filter FORWARD -i $SECOND_BRIDGE -j ACCEPT -m comment --comment org-go-docker2" \
    "filter FORWARD -o $SECOND_BRIDGE -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT -m comment --comment org-go-docker2"
}

setup_second_network() {
  if ! ip link show "$SECOND_BRIDGE" >/dev/null 2>&1; then
    ip link add name "$SECOND_BRIDGE" type bridge ||
      die "could not create bridge $SECOND_BRIDGE (needs CAP_NET_ADMIN)."
  fi
  if ! ip -4 addr show dev "$SECOND_BRIDGE" | grep -q "inet ${SECOND_CIDR%/*}/"; then
    local other
    other=$(ip -4 -o addr show | awk -v ip="${SECOND_CIDR%/*}" '$4 ~ "^" ip "/" {print $2}' | head -n1)
    [ -z "$other" ] || die "$SECOND_CIDR is already used by interface $other." \
      "Pick another subnet: ORG_GO_DOCKER2_BRIDGE_CIDR=10.213.0.1/24 $0 --second"
    ip addr add "$SECOND_CIDR" dev "$SECOND_BRIDGE"
  fi
  ip link set "$SECOND_BRIDGE" up
  if iptables_works; then
    sysctl -qw net.ipv4.ip_forward=1 2>/dev/null || true
    local table chain spec
    while read -r table chain spec; do
      # shellcheck disable=SC2086 # rule words are meant to split
      iptables -t "$table" -C "$chain" $spec 2>/dev/null ||
        iptables -t "$table" -A "$chain" $spec || true
    done < <(second_nat_rules)
  fi
}

teardown_second_network() {
  if command -v iptables >/dev/null 2>&1; then
    local table chain spec
    while read -r table chain spec; do
      # shellcheck disable=SC2086
      while iptables -t "$table" -C "$chain" $spec 2>/dev/null; do
        iptables -t "$table" -D "$chain" $spec || break
      done
    done < <(second_nat_rules)
  fi
  if ip link show "$SECOND_BRIDGE" >/dev/null 2>&1; then
    ip link delete "$SECOND_BRIDGE" || true
  fi
}

start_second_engine() {
  local host=unix://$SECOND_SOCK
  ensure_packages
  if pid_alive "$SECOND_PID"; then
    say "second dockerd (pid $(cat "$SECOND_PID")) is already starting; waiting for it"
    wait_for_engine "$host" "$SECOND_PID" "$SECOND_LOG"
    return 0
  fi
  rm -f "$SECOND_PID"
  ensure_cgroups
  setup_second_network
  mkdir -p "$(dirname "$SECOND_CONF")" "$SECOND_DATA" "$SECOND_EXEC"
  [ -f "$SECOND_CONF" ] || printf '{}\n' >"$SECOND_CONF"

  local flags=(
    --host "$host"
    --config-file "$SECOND_CONF"
    --data-root "$SECOND_DATA"
    --exec-root "$SECOND_EXEC"
    --pidfile "$SECOND_PID"
    --bridge "$SECOND_BRIDGE"
    --iptables=false
    --cgroup-parent org-go-docker2
    --storage-driver "$(pick_storage_driver "$SECOND_DATA")"
  )
  mapfile -t -O "${#flags[@]}" flags < <(cgroup_flags)

  say "starting second engine: dockerd ${flags[*]}  (log: $SECOND_LOG)"
  start_detached "$SECOND_LOG" dockerd "${flags[@]}"
  wait_for_engine "$host" "$SECOND_PID" "$SECOND_LOG"
}

stop_engine() {
  local pidfile=$1 host=$2 pid i
  if ! pid_alive "$pidfile"; then
    say "no dockerd from $pidfile is running for $host; nothing to stop"
    return 0
  fi
  pid=$(cat "$pidfile")
  say "stopping dockerd pid $pid ($host)"
  kill -TERM "$pid"
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || { say "stopped"; return 0; }
    sleep 0.5
  done
  die "dockerd pid $pid did not stop within 30s; it is still running."
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

if [ "$action" = stop ]; then
  [ "$(id -u)" -eq 0 ] || die "--stop needs root."
  if [ "$mode" = second ]; then
    stop_engine "$SECOND_PID" "unix://$SECOND_SOCK"
    teardown_second_network
  else
    if [ -d /run/systemd/system ] && systemctl is-active --quiet docker.service 2>/dev/null; then
      die "the main engine is managed by systemd; use: systemctl stop docker"
    fi
    stop_engine /var/run/docker.pid "unix://$DEFAULT_SOCK"
  fi
  exit 0
fi

if [ "$mode" = second ]; then
  host=unix://$SECOND_SOCK
  if engine_answers "$host"; then
    say "second engine already running: $(describe_engine "$host")"
  else
    cannot_start_here "$host"
    start_second_engine
    say "second engine started: $(describe_engine "$host")"
  fi
  echo "export DOCKER_HOST=$host"
  exit 0
fi

host=${DOCKER_HOST:-unix://$DEFAULT_SOCK}
if engine_answers "$host"; then
  say "engine already running: $(describe_engine "$host")"
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix://$DEFAULT_SOCK" ]; then
  die "DOCKER_HOST=$DOCKER_HOST is set but no Docker Engine answers there." \
    "Start that engine (or fix the address), or unset DOCKER_HOST to use the local" \
    "default engine at unix://$DEFAULT_SOCK (which this script can start as root)."
fi

cannot_start_here "$host"
start_main_engine
say "engine started: $(describe_engine "$host")"
