#!/usr/bin/env bash
# seed-base-images.sh - OFFLINE MACHINES ONLY: create the base images that
# generated @org/go Dockerfiles name, from parts already on this machine.
#
# On a normal desk none of this is needed: Docker pulls the official images.
# This script is for machines that can reach Debian package mirrors and the
# Go module proxy but no container registry (CI sandboxes, air-gapped VMs),
# where `docker build` would otherwise fail on the first FROM.
#
# It builds local stand-ins with the same names:
#   org-go/debian:bookworm                 Debian 12 minbase root filesystem
#                                          (mmdebstrap, using this machine's
#                                          apt sources), imported as an image;
#                                          the base of the golang images
#   golang:<X.Y>-bookworm, golang:<X.Y>    that Debian + this machine's Go tree
#                                          in /usr/local/go, laid out like the
#                                          official image (PATH, GOPATH=/go,
#                                          GOTOOLCHAIN=local, WORKDIR /go)
#   gcr.io/distroless/static-debian12:nonroot
#                                          CA bundle, passwd/group with root,
#                                          nobody and nonroot (65532), /tmp,
#                                          zoneinfo; runs as 65532:65532
# Not seeded:
#   alpine:*   Alpine is musl/apk based and cannot be assembled from Debian
#              parts. Generated projects that pick an alpine runtime still
#              build on machines that can pull; here use scratch or distroless.
#
# Differences from the official golang image: no git, gcc or make (modules come
# through GOPROXY; builds must use CGO_ENABLED=0, which the generated
# Dockerfile does); Go's own test suite and testdata are left out to keep the
# image small.
#
# Usage: tools/seed-base-images.sh [--force] [--refresh-rootfs] [--go-version X.Y]
#   --force            rebuild images even if they are already present
#   --refresh-rootfs   also re-run mmdebstrap instead of using the cached tarball
#   --go-version X.Y   tag to seed (default: major.minor of `go env GOVERSION`;
#                      also read from GO_VERSION). May be older than the Go tree
#                      on this machine, never newer.
# Environment:
#   GO_VERSION         as --go-version
#   ORG_GO_GOROOT      Go tree to copy (default: `go env GOROOT`)
#   ORG_GO_CACHE_DIR   cache for the root filesystem (default /var/cache/org-go)
#   DOCKER_HOST        engine to seed (default: the local engine)
#
# Seeding needs root on Debian/Ubuntu (mmdebstrap, file ownership inside the
# images). Without root, or on another system, it only reports which images
# are missing and exits 0: there `docker build` pulls them. Idempotent: images
# that already exist are left alone unless --force is given.

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly SUITE=bookworm
readonly CACHE_DIR=${ORG_GO_CACHE_DIR:-/var/cache/org-go}
readonly DEBIAN_IMAGE=org-go/debian:$SUITE
readonly DISTROLESS_IMAGE=gcr.io/distroless/static-debian12:nonroot
readonly SEED_LABEL=org.org-go.seeded-stand-in=true
# Same PATH as the Debian and distroless official images.
readonly STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

force=0
refresh_rootfs=0
go_version=${GO_VERSION:-}

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --refresh-rootfs) refresh_rootfs=1; force=1 ;;
    --go-version) [ $# -ge 2 ] || { usage >&2; exit 2; }; go_version=$2; shift ;;
    --go-version=*) go_version=${1#*=} ;;
    -h | --help) usage; exit 0 ;;
    [0-9]*) go_version=$1 ;;
    *) echo "seed-base-images: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

LOG_PREFIX=seed-base-images
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

export PATH="$PATH:/usr/local/go/bin:/usr/local/sbin:/usr/sbin:/sbin"
# The classic builder is what every engine (20.10 included) offers without
# buildx; the Dockerfiles below need nothing more.
export DOCKER_BUILDKIT=0

now_ns() { # nanoseconds since the epoch (whole seconds where date has no %N)
  local t
  t=$(date +%s%N)
  case "$t" in *N) printf '%s000000000' "$(date +%s)" ;; *) printf '%s' "$t" ;; esac
}
start_ns=$(now_ns)
elapsed() { # seconds since $1 (nanoseconds), one decimal
  local now
  now=$(now_ns)
  awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1fs", (b - a) / 1e9 }'
}

rows=()
row() { rows+=("$(printf '%-44s %-9s %s' "$1" "$2" "$3")"); }

# ---------------------------------------------------------------------------
# Preconditions
# ---------------------------------------------------------------------------

"$SCRIPT_DIR/ensure-docker.sh" || die "no Docker Engine; see the message above."
command -v docker >/dev/null 2>&1 || die "the docker CLI is missing (apt-get install docker.io)."

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"${TMPDIR:-/tmp}/org-go-apt.log" 2>&1 || die "apt-get update failed (log: ${TMPDIR:-/tmp}/org-go-apt.log)."
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"${TMPDIR:-/tmp}/org-go-apt.log" 2>&1 ||
    die "apt-get install $* failed (log: ${TMPDIR:-/tmp}/org-go-apt.log)."
}

image_present() { docker image inspect "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------
# Which Go
# ---------------------------------------------------------------------------

goroot=${ORG_GO_GOROOT:-}
if [ -z "$goroot" ]; then
  command -v go >/dev/null 2>&1 || die "no Go toolchain found (go is not on PATH and /usr/local/go/bin/go is missing)." \
    "Install Go into /usr/local/go (the official tarball) or set ORG_GO_GOROOT."
  goroot=$(go env GOROOT)
fi
[ -x "$goroot/bin/go" ] || die "$goroot/bin/go does not exist; ORG_GO_GOROOT must point at a Go tree."
goroot=$(cd "$goroot" && pwd -P)
gover_full=$("$goroot/bin/go" env GOVERSION) # e.g. go1.26.8
tree_ver=$(printf '%s' "${gover_full#go}" | cut -d. -f1,2)

if [ -z "$go_version" ]; then
  go_version=$tree_ver
fi
go_version=${go_version#go}
case "$go_version" in
  [0-9]*.[0-9]*.*) go_version=$(printf '%s' "$go_version" | cut -d. -f1,2) ;;
  [0-9]*.[0-9]*) ;;
  *) die "GO_VERSION must look like 1.26 (got '$go_version')." ;;
esac
if [ "$go_version" != "$tree_ver" ]; then
  newest=$(printf '%s\n%s\n' "$go_version" "$tree_ver" | sort -V | tail -n1)
  if [ "$newest" = "$go_version" ]; then
    die "golang:$go_version was requested but the Go tree here is $gover_full." \
      "A newer tag cannot be made from an older toolchain (GOTOOLCHAIN=local would" \
      "reject modules that need it). Install Go $go_version or seed $tree_ver."
  fi
  say "note: golang:$go_version will contain $gover_full (a newer toolchain builds older modules)"
fi

GOLANG_TAGS=("golang:$go_version-$SUITE" "golang:$go_version")

# ---------------------------------------------------------------------------
# Debian root filesystem (cached)
# ---------------------------------------------------------------------------

arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
rootfs_tar=$CACHE_DIR/debian-$SUITE-minbase-$arch.tar

# mirror_args - hand mmdebstrap the machine's own apt sources for this suite so
# it fetches from wherever apt on this machine fetches (mirror, proxy, local
# archive). Without them mmdebstrap falls back to its built-in default.
mirror_args() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    if grep -Ev '^[[:space:]]*#' "$f" | grep -Eq "(^|[[:space:]])$SUITE([[:space:]]|-updates|-security|$)"; then
      printf '%s\n' "$f"
    fi
  done
}

ensure_rootfs() {
  if [ -s "$rootfs_tar" ] && [ "$refresh_rootfs" = 0 ]; then
    return 0
  fi
  command -v mmdebstrap >/dev/null 2>&1 || apt_install mmdebstrap
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || apt_install debian-archive-keyring
  mkdir -p "$CACHE_DIR"
  local mirrors tmp t0 log=$CACHE_DIR/mmdebstrap.log
  mapfile -t mirrors < <(mirror_args)
  tmp=$(mktemp "$rootfs_tar.XXXXXX.tar")
  t0=$(now_ns)
  say "mmdebstrap --variant=minbase $SUITE (sources: ${mirrors[*]:-mmdebstrap default}) ..."
  # Kept close to the official debian:bookworm image:
  #   tzdata          the distroless stand-in ships /usr/share/zoneinfo too
  #   merged-usr hook /bin -> usr/bin symlinks made directly, instead of
  #                   pulling in the usrmerge package and, through it, perl
  #   no Recommends, no man pages / docs / translations (copyright files stay)
  # shellcheck disable=SC2054 # the comma is part of --include's value
  local opts=(--variant=minbase --include=ca-certificates,tzdata --format=tar
    --aptopt='APT::Install-Recommends "false"'
    --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/info/*'
    --dpkgopt='path-exclude=/usr/share/locale/*'
    --dpkgopt='path-include=/usr/share/locale/locale.alias'
    --dpkgopt='path-exclude=/usr/share/doc/*'
    --dpkgopt='path-include=/usr/share/doc/*/copyright')
  if [ -d /usr/share/mmdebstrap/hooks/merged-usr ]; then
    opts+=(--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr)
  fi
  if ! mmdebstrap "${opts[@]}" "$SUITE" "$tmp" "${mirrors[@]}" >"$log" 2>&1; then
    rm -f "$tmp"
    tail -n 20 "$log" >&2
    die "mmdebstrap failed (full log: $log)."
  fi
  mv -f "$tmp" "$rootfs_tar"
  say "root filesystem cached at $rootfs_tar ($(du -h "$rootfs_tar" | cut -f1), $(elapsed "$t0"))"
}

# ---------------------------------------------------------------------------
# CA bundle: Debian's, plus whatever extra CAs this machine trusts (a
# corporate or sandbox TLS proxy), so `go mod download` inside a build can get
# through the same egress as the host.
# ---------------------------------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/org-go-seed.XXXXXX")
trap 'rm -rf "$work"' EXIT

prepare_ca() {
  local host_bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
  tar -xOf "$rootfs_tar" ./etc/ssl/certs/ca-certificates.crt >"$work/debian-ca.crt" ||
    die "the cached root filesystem has no CA bundle; re-run with --refresh-rootfs."
  : >"$work/extra-ca.crt"
  if [ -f "$host_bundle" ]; then
    # Certificates (PEM blocks) the host trusts that Debian's bundle lacks.
    awk '
      { sub(/\r$/, "") }
      /-----BEGIN CERTIFICATE-----/ { inb = 1; b = "" }
      inb { b = b $0 "\n" }
      /-----END CERTIFICATE-----/ && inb {
        inb = 0
        if (FNR == NR) { seen[b] = 1 } else if (!(b in seen)) { printf "%s", b; seen[b] = 1 }
      }
    ' "$work/debian-ca.crt" "$host_bundle" >"$work/extra-ca.crt"
  fi
  cat "$work/debian-ca.crt" "$work/extra-ca.crt" >"$work/ca-certificates.crt"
  extra_count=$(grep -c 'BEGIN CERTIFICATE' "$work/extra-ca.crt" || true)
}

# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------

seed_debian() {
  if image_present "$DEBIAN_IMAGE" && [ "$force" = 0 ]; then
    row "$DEBIAN_IMAGE" present "-"
    return
  fi
  local t0
  t0=$(now_ns)
  docker import \
    --change "ENV PATH=$STD_PATH" \
    --change 'CMD ["bash"]' \
    --change "LABEL $SEED_LABEL" \
    "$rootfs_tar" "$DEBIAN_IMAGE" >/dev/null
  row "$DEBIAN_IMAGE" seeded "$(elapsed "$t0")"
}

# The image gets the Go tree copied verbatim, so it must not depend on files
# elsewhere on the machine. Distribution packages (e.g. Debian's golang-go)
# keep the standard library in /usr/share and link to it from GOROOT.
check_goroot() {
  if [ ! -d "$goroot/src/runtime" ] || [ ! -d "$goroot/pkg/tool" ]; then
    die "$goroot is not a complete Go tree (src/runtime or pkg/tool missing)."
  fi
  local outside
  outside=$(find "$goroot" -maxdepth 4 -type l -printf '%p\n' 2>/dev/null | while read -r l; do
    t=$(readlink -f "$l" || true)
    case "$t" in "$goroot"/*) ;; *) printf '%s -> %s\n' "$l" "$t" ;; esac
  done | head -n 5)
  [ -z "$outside" ] || die "$goroot is not self-contained; it links outside itself:" \
    "$outside" \
    "Use the official Go tarball (e.g. unpacked to /usr/local/go) and point ORG_GO_GOROOT at it."
}

seed_golang() {
  local missing=0 tag
  for tag in "${GOLANG_TAGS[@]}"; do image_present "$tag" || missing=1; done
  if [ "$missing" = 0 ] && [ "$force" = 0 ]; then
    for tag in "${GOLANG_TAGS[@]}"; do row "$tag" present "-"; done
    return
  fi
  check_goroot
  local t0 ctx=$work/golang-ctx name log=$CACHE_DIR/golang-build.log
  t0=$(now_ns)
  name=$(basename "$goroot")
  mkdir -p "$ctx"
  cp "$work/ca-certificates.crt" "$ctx/ca-certificates.crt"
  cp "$work/extra-ca.crt" "$ctx/extra-ca.crt"
  {
    printf 'FROM %s\n' "$DEBIAN_IMAGE"
    printf 'COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n'
    # Kept separately too, so update-ca-certificates in a derived image keeps them.
    if [ "$extra_count" -gt 0 ]; then
      printf 'COPY extra-ca.crt /usr/local/share/ca-certificates/org-go-extra.crt\n'
    fi
    printf 'COPY ["%s/", "/usr/local/go/"]\n' "$name"
    printf 'ENV GOLANG_VERSION=%s GOTOOLCHAIN=local GOPATH=/go\n' "${gover_full#go}"
    # shellcheck disable=SC2016 # expanded by the builder, not here
    printf 'ENV PATH=/go/bin:/usr/local/go/bin:$PATH\n'
    # shellcheck disable=SC2016
    printf 'RUN mkdir -p "$GOPATH/src" "$GOPATH/bin" && chmod -R 1777 "$GOPATH" && go version\n'
    printf 'WORKDIR /go\n'
    printf 'LABEL %s\n' "$SEED_LABEL"
  } >"$ctx/Dockerfile"

  # Build context: the Dockerfile, the CA files and the Go tree minus what no
  # build needs (Go's own tests and test data, API lists, docs, build
  # leftovers), streamed as one tar so nothing large is copied on disk.
  local tags=()
  for tag in "${GOLANG_TAGS[@]}"; do tags+=(-t "$tag"); done
  if ! tar -c -f - --owner=0 --group=0 --numeric-owner \
    -C "$ctx" Dockerfile ca-certificates.crt extra-ca.crt \
    -C "$(dirname "$goroot")" \
    --anchored \
    --exclude="$name/test" --exclude="$name/api" --exclude="$name/doc" \
    --exclude="$name/pkg/obj" --exclude="$name/pkg/bootstrap" \
    --no-anchored --exclude=testdata \
    "$name" |
    docker build --force-rm "${tags[@]}" - >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "building ${GOLANG_TAGS[0]} failed (full log: $log)."
  fi
  local first=1
  for tag in "${GOLANG_TAGS[@]}"; do
    if [ "$first" = 1 ]; then row "$tag" seeded "$(elapsed "$t0"), $gover_full"; first=0
    else row "$tag" seeded "same image"; fi
  done
}

seed_distroless() {
  if image_present "$DISTROLESS_IMAGE" && [ "$force" = 0 ]; then
    row "$DISTROLESS_IMAGE" present "-"
    return
  fi
  local t0 root=$work/distroless
  t0=$(now_ns)
  mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/root" "$root/home/nonroot" "$root/usr/share"
  cp "$work/ca-certificates.crt" "$root/etc/ssl/certs/ca-certificates.crt"
  tar -xf "$rootfs_tar" -C "$root" ./usr/share/zoneinfo 2>/dev/null || true
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
tty:x:5:
staff:x:50:
nobody:x:65534:
nonroot:x:65532:
EOF
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  cat >"$root/etc/os-release" <<'EOF'
PRETTY_NAME="Distroless (local stand-in built by @org/go seed-base-images)"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
VERSION="Debian GNU/Linux 12 (bookworm)"
EOF
  chmod 1777 "$root/tmp"
  chmod 0700 "$root/root" "$root/home/nonroot"
  chown -R 0:0 "$root"
  chown 65532:65532 "$root/home/nonroot"
  tar -c -f - --numeric-owner -C "$root" . |
    docker import \
      --change "ENV PATH=$STD_PATH" \
      --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
      --change 'USER 65532:65532' \
      --change 'WORKDIR /home/nonroot' \
      --change "LABEL $SEED_LABEL" \
      - "$DISTROLESS_IMAGE" >/dev/null
  row "$DISTROLESS_IMAGE" seeded "$(elapsed "$t0")"
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

need_rootfs=$force
image_present "$DEBIAN_IMAGE" || need_rootfs=1
image_present "$DISTROLESS_IMAGE" || need_rootfs=1
for t in "${GOLANG_TAGS[@]}"; do image_present "$t" || need_rootfs=1; done

print_table() {
  printf '\n%-44s %-9s %s\n' IMAGE STATUS DETAIL
  printf '%s\n' "${rows[@]}"
}

extra_count=0
if [ "$need_rootfs" = 1 ] && { [ "$(id -u)" -ne 0 ] || [ "$(uname -s)" != Linux ] || ! command -v apt-get >/dev/null 2>&1; }; then
  # Seeding needs mmdebstrap, which needs root on Debian/Ubuntu. Elsewhere
  # (a normal desk, Docker Desktop) `docker build` pulls the real images, so
  # only say what is missing and how to seed it on an offline machine.
  for t in "$DEBIAN_IMAGE" "${GOLANG_TAGS[@]}" "$DISTROLESS_IMAGE"; do
    if image_present "$t"; then row "$t" present "-"; else row "$t" missing "docker build will pull it"; fi
  done
  print_table
  printf '\nNot seeding: that needs root on Debian/Ubuntu (mmdebstrap). Machines that can\n'
  printf 'reach a container registry need no seeding. On an offline machine run:\n'
  printf '  sudo %s\n' "$0"
  exit 0
fi

if [ "$need_rootfs" = 1 ]; then
  ensure_rootfs
  prepare_ca
fi

seed_debian
seed_golang
seed_distroless
row "alpine:*" skipped "not seedable from Debian parts (musl/apk); use scratch or distroless here"

print_table
if [ "$need_rootfs" = 1 ]; then
  printf '\nextra CA certificates from this machine added to the images: %s\n' "$extra_count"
fi
printf 'done in %s\n' "$(elapsed "$start_ns")"
