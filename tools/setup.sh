#!/usr/bin/env bash
# setup.sh - prepare this machine for @org/go development, tests and the demo.
#
#   1. Node dependencies of the repository (npm ci, skipped when up to date);
#   2. a Docker engine (tools/ensure-docker.sh: uses a running one, else installs and starts one);
#   3. the base images the generated Dockerfiles name, seeded offline from local parts
#      (tools/seed-base-images.sh: only for machines that cannot reach a container registry;
#      images already present are left alone, so on a normal desk it changes nothing);
#   4. Debian's docker-registry and htpasswd (apache2-utils), which the docker-push specs run as
#      their own throwaway registries on loopback ports (installed only when missing; root on
#      Debian/Ubuntu; elsewhere the specs say what to install);
#   5. for the docker-scan specs: a golang:1.27 builder image seeded from the Go 1.27.3 toolchain
#      (the Go module proxy serves it; the offline vulnerability database knows no advisory for it,
#      while Go 1.26.8 has several), the scanners built from the Go module proxy
#      (tools/scanners/install.sh, cached between runs), and the offline Go vulnerability database
#      built from the golang.org/x/vulndb module (tools/vulndb/build.mjs, cached).
#
# Safe to re-run. Exit code non-zero with a message naming the failed step.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "Node.js is missing. Install Node.js 20 or newer (e.g. apt-get install nodejs npm)."
command -v npm >/dev/null || die "npm is missing. Install npm 10 or newer."
if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    die "Go is missing. Install Go 1.22 or newer (https://go.dev/doc/install) and put it on PATH."
  fi
fi

step "Node dependencies"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  echo "node_modules is up to date"
fi

step "Docker engine"
bash tools/ensure-docker.sh

if [ "${ORG_GO_SKIP_SEED:-}" != "1" ]; then
  step "Base images (offline seeding; present images are kept)"
  bash tools/seed-base-images.sh
  step "Patched Go builder image golang:1.27 (Go 1.27.3 from the Go module proxy)"
  if docker image inspect golang:1.27-bookworm >/dev/null 2>&1; then
    echo "golang:1.27-bookworm is present"
  else
    GOTOOLCHAIN=go1.27.3 go version || die "could not fetch the Go 1.27.3 toolchain through the Go module proxy (GOTOOLCHAIN=go1.27.3 go version)."
    ORG_GO_GOROOT=$(GOTOOLCHAIN=go1.27.3 go env GOROOT) bash tools/seed-base-images.sh --go-version 1.27
  fi
fi

step "CI configuration linters (actionlint from the Go module proxy, shellcheck, the providers' JSON schemas; cached)"
bash tools/ci-lint/install.sh

step "Podman's Docker-compatible API (the Podman specs)"
bash tools/ensure-podman.sh

step "Vulnerability scanners and their offline databases (built from the Go module proxy, cached in ~/.cache/org-go)"
# Cold: Trivy ~15 min, Grype ~6 min, the Grype database builder ~6-9 min on 2 cores; a reused machine pays seconds.
bash tools/scanners/install.sh ${ORG_GO_SCANNERS:-all}
bash tools/scanners/build-dbs.sh ${ORG_GO_SCANNERS:-all}
node tools/vulndb/build.mjs

step "Local image registries for the docker-push specs, and wrk for the load benchmark"
missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v htpasswd >/dev/null || missing+=(apache2-utils)
command -v wrk >/dev/null || missing+=(wrk) # tools/bench/service-load.mjs
if [ ${#missing[@]} -eq 0 ]; then
  echo "docker-registry, htpasswd and wrk are installed"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed."
  echo "installed ${missing[*]}"
else
  echo "missing: ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]}); the docker-push specs need them"
fi
