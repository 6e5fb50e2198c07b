#!/usr/bin/env bash
# install.sh - build the vulnerability scanners the docker-scan executor tests with, from the Go
# module proxy (no release download site, no container registry needed).
#
# Usage:
#   tools/scanners/install.sh [trivy|grype|govulncheck|all]...   (default: all)
#   tools/scanners/install.sh --print-bin-dir                     the directory to put on PATH
#
# Each scanner is built with `go install <module>/cmd/<name>@<version>` into its own directory
#   $ORG_GO_SCANNER_CACHE/<name>-<version>/<name>
# (ORG_GO_SCANNER_CACHE defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/org-go/scanners) and linked from
#   $ORG_GO_SCANNER_CACHE/bin/<name>
# A binary already in the cache is kept (a reused machine or a restored CI cache pays nothing), so
# re-running is always safe. The last line printed is `PATH entry: <dir>`; in a GitHub Actions job
# the directory is also appended to $GITHUB_PATH.
#
# Environment knobs:
#   ORG_GO_SCANNER_CACHE   cache root (see above)
#   ORG_GO_SCANNER_FORCE=1 rebuild even when the cached binary exists
#   GOPROXY, GOMODCACHE, GOCACHE, GOFLAGS are honoured as usual (a cold build measurement sets
#   GOMODCACHE and GOCACHE to empty directories).
#
# Versions are pinned here and in packages/go/src/executors/docker-scan/lib/scanners/*.ts install hints.
set -euo pipefail

LOG_PREFIX=scanners-install
# shellcheck source-path=SCRIPTDIR source=../lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/log.sh"

readonly TRIVY_VERSION=v0.74.0
readonly GRYPE_VERSION=v0.121.2
readonly GOVULNCHECK_VERSION=v1.9.0

cache_root=${ORG_GO_SCANNER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/org-go/scanners}
bin_dir="$cache_root/bin"

if [ "${1:-}" = "--print-bin-dir" ]; then
  printf '%s\n' "$bin_dir"
  exit 0
fi

if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    die "Go is missing." "Install Go 1.26 or newer (https://go.dev/doc/install) and put it on PATH."
  fi
fi

# version_ge A B: true when Go version A (1.26.8) >= B.
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

go_version=$(go env GOVERSION)

# One run at a time per cache (parallel test suites call this script): wait for the other to finish.
mkdir -p "$cache_root"
if command -v flock >/dev/null; then
  exec 9>"$cache_root/.install.lock"
  flock 9
fi
go_version=${go_version#go}

# install_one NAME MODULE_PACKAGE VERSION MIN_GO [ENV=VALUE...] -- [go install flags...]
install_one() {
  local name=$1 pkg=$2 version=$3 min_go=$4
  shift 4
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  local dir="$cache_root/$name-$version"
  local target="$dir/$name"

  mkdir -p "$bin_dir"
  if [ -x "$target" ] && [ "${ORG_GO_SCANNER_FORCE:-}" != "1" ]; then
    say "$name $version: cached at $target (skipping the build)"
  else
    if ! version_ge "$go_version" "$min_go"; then
      # Go >= 1.21 fetches the newer toolchain the module asks for (through the module proxy), unless
      # GOTOOLCHAIN=local forbids it.
      [ "$(go env GOTOOLCHAIN)" != "local" ] ||
        die "$name $version needs Go $min_go or newer to build; this machine has Go $go_version and GOTOOLCHAIN=local." \
          "Install Go $min_go+ (https://go.dev/doc/install), or unset GOTOOLCHAIN so go fetches it."
      say "$name $version needs Go $min_go; go $go_version will fetch that toolchain first"
    fi
    say "$name $version: building $pkg@$version (go $go_version) ..."
    local start=$SECONDS tmp="$dir.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    # A failed or interrupted build never leaves a half-written binary where the cache check looks.
    if ! env GOBIN="$tmp" CGO_ENABLED=0 "${envs[@]}" go install "$@" "$pkg@$version"; then
      rm -rf "$tmp"
      die "building $name $version failed (see the go output above)." \
        "Retry: $0 $name   (GOPROXY=$(go env GOPROXY))"
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    mv "$tmp/$name" "$target"
    rm -rf "$tmp"
    say "$name $version: built in $((SECONDS - start)) s -> $target"
  fi
  ln -sfn "$target" "$bin_dir/$name"
}

install_trivy() {
  # Trivy's release build sets GOEXPERIMENT=jsonv2 (it imports encoding/json/v2) and its version string
  # through -ldflags; `go install` cannot read the version from anywhere else.
  install_one trivy github.com/aquasecurity/trivy/cmd/trivy "$TRIVY_VERSION" 1.26.3 GOEXPERIMENT=jsonv2 -- \
    -trimpath -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}"
}

install_grype() {
  install_one grype github.com/anchore/grype/cmd/grype "$GRYPE_VERSION" 1.26.8 -- \
    -trimpath -tags containers_image_openpgp,exclude_graphdriver_btrfs \
    -ldflags "-s -w -X main.version=${GRYPE_VERSION#v}"
}

install_govulncheck() {
  install_one govulncheck golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION" 1.22.0 -- -trimpath
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(all)
total_start=$SECONDS
for target in "${targets[@]}"; do
  case "$target" in
    trivy) install_trivy ;;
    grype) install_grype ;;
    govulncheck) install_govulncheck ;;
    all) install_govulncheck; install_trivy; install_grype ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) die "unknown scanner: $target" "Usage: $0 [trivy|grype|govulncheck|all]..." ;;
  esac
done

say "done in $((SECONDS - total_start)) s"
if [ -n "${GITHUB_PATH:-}" ]; then
  printf '%s\n' "$bin_dir" >>"$GITHUB_PATH"
fi
say "PATH entry: $bin_dir   (export PATH=\"$bin_dir:\$PATH\")"
