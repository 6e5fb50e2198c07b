#!/usr/bin/env bash
# install.sh - the linters the CI generator's specs check the generated pipelines with, offline after
# this ran once:
#
#   actionlint v1.7.12   GitHub Actions workflows (schema, expressions, action inputs, and the `run:`
#                        scripts through shellcheck), built from the Go module proxy
#   ShellCheck           Debian's shellcheck package (apt-get, as root); actionlint runs it on every `run:` script
#   JSON schemas         .gitlab-ci.yml (GitLab's own ci.json) and GitHub workflows (SchemaStore), as
#                        vendored in the check-jsonschema 0.39.0 wheel from PyPI (pip download, checked
#                        against the sha256 files the wheel ships)
#
# Usage:
#   tools/ci-lint/install.sh                install what is missing (cached: re-running costs nothing)
#   tools/ci-lint/install.sh --print-dir    the cache folder the specs read
#
# Everything goes to $ORG_GO_TOOLS_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/org-go/tools:
#   actionlint-v1.7.12/actionlint
#   schemas/check-jsonschema-0.39.0/{gitlab-ci.json,github-workflows.json,LICENSE.*}
set -euo pipefail

LOG_PREFIX=ci-lint-install
# shellcheck source-path=SCRIPTDIR source=../lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/log.sh"

readonly ACTIONLINT_VERSION=v1.7.12
readonly CHECK_JSONSCHEMA_VERSION=0.39.0

cache=${ORG_GO_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/org-go/tools}
if [ "${1:-}" = "--print-dir" ]; then
  printf '%s\n' "$cache"
  exit 0
fi
mkdir -p "$cache"

# --- actionlint -------------------------------------------------------------------------------
actionlint_dir="$cache/actionlint-$ACTIONLINT_VERSION"
if [ -x "$actionlint_dir/actionlint" ]; then
  say "actionlint $ACTIONLINT_VERSION: cached at $actionlint_dir/actionlint"
else
  if ! command -v go >/dev/null; then
    [ -x /usr/local/go/bin/go ] || die "Go is missing." "Install Go 1.24 or newer (https://go.dev/doc/install) and put it on PATH."
    export PATH="/usr/local/go/bin:$PATH"
  fi
  say "actionlint $ACTIONLINT_VERSION: building github.com/rhysd/actionlint/cmd/actionlint from the Go module proxy ..."
  tmp="$actionlint_dir.tmp.$$"
  rm -rf "$tmp"
  GOBIN="$tmp" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" ||
    die "could not build actionlint $ACTIONLINT_VERSION." "Check that the Go module proxy is reachable (go env GOPROXY)."
  rm -rf "$actionlint_dir"
  mv "$tmp" "$actionlint_dir"
  say "actionlint $ACTIONLINT_VERSION: built into $actionlint_dir/actionlint"
fi

# --- shellcheck -------------------------------------------------------------------------------
if command -v shellcheck >/dev/null; then
  say "shellcheck: $(shellcheck --version | sed -n 's/^version: //p') at $(command -v shellcheck)"
elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  say "shellcheck: installing Debian's package ..."
  if ! { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null; }; then
    die "apt-get install shellcheck failed."
  fi
  say "shellcheck: $(shellcheck --version | sed -n 's/^version: //p')"
else
  die "shellcheck is missing, and this is not a Debian/Ubuntu machine where it can be installed as root." \
    "Install it with your package manager (e.g. apt-get install shellcheck, brew install shellcheck)."
fi

# --- JSON schemas -----------------------------------------------------------------------------
schema_dir="$cache/schemas/check-jsonschema-$CHECK_JSONSCHEMA_VERSION"
if [ -f "$schema_dir/gitlab-ci.json" ] && [ -f "$schema_dir/github-workflows.json" ]; then
  say "schemas: cached in $schema_dir"
else
  python=$(command -v python3 || command -v python || true)
  [ -n "$python" ] || die "Python 3 is missing: it downloads the schemas (pip download check-jsonschema)." "Install python3 and python3-pip."
  "$python" -m pip --version >/dev/null 2>&1 || die "pip is missing." "Install it (apt-get install python3-pip)."
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "schemas: downloading the check-jsonschema $CHECK_JSONSCHEMA_VERSION wheel ..."
  "$python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" ||
    die "pip download check-jsonschema==$CHECK_JSONSCHEMA_VERSION failed." "Check that the package index pip uses is reachable."
  wheel=$(find "$tmp" -name 'check_jsonschema-*.whl' | head -n 1)
  [ -n "$wheel" ] || die "pip left no check_jsonschema wheel in $tmp."
  "$python" - "$wheel" "$tmp/out" <<'PY'
import hashlib, pathlib, sys, zipfile
wheel, out = sys.argv[1], pathlib.Path(sys.argv[2])
out.mkdir(parents=True)
vendor = "check_jsonschema/builtin_schemas/vendor/"
with zipfile.ZipFile(wheel) as z:
    for name in ("gitlab-ci", "github-workflows"):
        data = z.read(f"{vendor}{name}.json")
        expected = z.read(f"{vendor}sha256/{name}.sha256").decode().split()[0]
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            sys.exit(f"{name}.json: sha256 {actual} does not match the wheel's {expected}")
        (out / f"{name}.json").write_bytes(data)
    for license in ("gitlab", "schemastore"):
        (out / f"LICENSE.{license}").write_bytes(z.read(f"{vendor}licenses/LICENSE.{license}"))
PY
  mkdir -p "$(dirname "$schema_dir")"
  rm -rf "$schema_dir"
  mv "$tmp/out" "$schema_dir"
  say "schemas: gitlab-ci.json and github-workflows.json in $schema_dir"
fi

say "PATH entry: $actionlint_dir"
