#!/usr/bin/env bash
# build-dbs.sh - build offline Trivy and Grype vulnerability databases on this machine from the Go
# vulnerability database (the Go module golang.org/x/vulndb, served by the Go module proxy), for
# machines that cannot download the scanners' published databases.
#
# Usage:
#   tools/scanners/build-dbs.sh [trivy|grype|all]...      (default: all)
#   tools/scanners/build-dbs.sh --print [trivy|grype]     the database path(s) the docker-scan
#                                                          executor's `database` option takes
#
# Output, under ${ORG_GO_SCANNER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/org-go/scanners}/db/:
#   trivy/<vulndb-version>/db/{trivy.db,metadata.json}  a Trivy cache dir (`trivy --cache-dir`)
#   grype/<vulndb-version>/archive/vulnerability-db_v6*.tar.gz   what `grype db import` takes
#   grype/<vulndb-version>/cache/6/vulnerability.db      a Grype DB cache dir (GRYPE_DB_CACHE_DIR),
#                                                         imported with `grype db import` when grype
#                                                         is installed
#   trivy/current, grype/current                         symlinks to the newest build
# A database already built from the same vulndb version by the same builder source is kept, so
# re-running is cheap. Every finding of these databases has severity UNKNOWN: the Go vulnerability
# database carries no CVSS/severity (see docs/executors/docker-scan-scanners.md).
#
# Environment knobs:
#   ORG_GO_VULNDB_VERSION   golang.org/x/vulndb version (default pinned below)
#   ORG_GO_SCANNER_CACHE    cache root (as install.sh)
#   ORG_GO_DB_FORCE=1       rebuild even when the database exists
set -euo pipefail

LOG_PREFIX=scanners-build-dbs
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/log.sh
. "$here/../lib/log.sh"

readonly VULNDB_MODULE=golang.org/x/vulndb
vulndb_version=${ORG_GO_VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}
cache_root=${ORG_GO_SCANNER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/org-go/scanners}
db_root="$cache_root/db"

if [ "${1:-}" = "--print" ]; then
  shift
  for name in "${@:-trivy grype}"; do
    for n in $name; do
      case "$n" in
        trivy) printf 'trivy: %s\n' "$db_root/trivy/current" ;;
        grype) printf 'grype: %s\n' "$db_root/grype/current/cache" ;;
        *) die "unknown scanner: $n" ;;
      esac
    done
  done
  exit 0
fi

if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; else die "Go is missing."; fi
fi
command -v node >/dev/null || die "node is missing (used to read go's JSON output)."

# One run at a time per cache (parallel test suites call this script): wait for the other to finish.
mkdir -p "$cache_root"
if command -v flock >/dev/null; then
  exec 9>"$cache_root/.build-dbs.lock"
  flock 9
fi

# json_field FIELD: one top-level string field of the JSON document on stdin.
json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined)process.exit(1);console.log(v)})' "$1"; }

# The vulndb module: its directory in the module cache and the commit time of the pinned version.
vulndb_dir=""
vulndb_time=""
fetch_vulndb() {
  [ -n "$vulndb_dir" ] && return 0
  local meta
  meta=$(cd "$here" && GOFLAGS=-mod=mod go mod download -json "$VULNDB_MODULE@$vulndb_version") ||
    die "cannot download $VULNDB_MODULE@$vulndb_version from the Go module proxy ($(go env GOPROXY))." "$meta"
  vulndb_dir=$(printf '%s' "$meta" | json_field Dir) || die "go mod download gave no Dir for $VULNDB_MODULE." "$meta"
  local info
  info=$(printf '%s' "$meta" | json_field Info) || die "go mod download gave no Info file for $VULNDB_MODULE."
  vulndb_time=$(json_field Time <"$info") || die "no Time in $info"
  local count
  count=$(find "$vulndb_dir/data/osv" -name 'GO-*.json' | wc -l)
  say "$VULNDB_MODULE@$vulndb_version: $count OSV records, published $vulndb_time ($vulndb_dir)"
}

# builder NAME: path of the builder program, rebuilt only when its sources change.
builder() {
  local name=$1 src="$here/$1"
  local hash
  hash=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-16)
  local bin="$cache_root/tools/$name-$hash"
  if [ ! -x "$bin" ]; then
    local start=$SECONDS
    say "building $name (once per source change) ..." >&2
    mkdir -p "$cache_root/tools"
    (cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$bin.tmp.$$" .) >&2 || { rm -f "$bin.tmp.$$"; die "building $name failed."; }
    mv "$bin.tmp.$$" "$bin"
    say "built $name in $((SECONDS - start)) s" >&2
  fi
  printf '%s\n' "$bin"
}

build_trivy() {
  fetch_vulndb
  local bin
  bin=$(builder trivy-db-from-osv)
  local out="$db_root/trivy/$vulndb_version"
  local stamp="$out/.built-by"
  if [ -f "$out/db/metadata.json" ] && [ -f "$out/db/trivy.db" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$(basename "$bin")" ] &&
    [ "${ORG_GO_DB_FORCE:-}" != "1" ]; then
    say "trivy: database for $vulndb_version already built: $out"
  else
    local start=$SECONDS
    mkdir -p "$out"
    "$bin" -vulndb "$vulndb_dir" -cache-dir "$out" -updated-at "$vulndb_time" | sed "s/^/  /" ||
      die "trivy database build failed."
    basename "$bin" >"$stamp"
    say "trivy: database built in $((SECONDS - start)) s: $out"
  fi
  ln -sfn "$vulndb_version" "$db_root/trivy/current"
  local trivy
  if trivy=$(command -v trivy || ls "$cache_root"/bin/trivy 2>/dev/null); then
    "$trivy" version --format json --cache-dir "$db_root/trivy/current" >/dev/null ||
      die "trivy does not accept the database in $db_root/trivy/current"
    say "trivy: $("$trivy" version --cache-dir "$db_root/trivy/current" | grep -E 'UpdatedAt|Version: [0-9]' | tr -s ' \n' ' ')"
  fi
  say "trivy: use --cache-dir $db_root/trivy/current (docker-scan: database: \"$db_root/trivy/current\")"
}

build_grype() {
  fetch_vulndb
  local bin
  bin=$(builder grype-db-from-osv)
  local out="$db_root/grype/$vulndb_version"
  local stamp="$out/.built-by"
  if compgen -G "$out/archive/vulnerability-db_v6*.tar.gz" >/dev/null && [ "$(cat "$stamp" 2>/dev/null)" = "$(basename "$bin")" ] &&
    [ "${ORG_GO_DB_FORCE:-}" != "1" ]; then
    say "grype: database archive for $vulndb_version already built: $out/archive"
  else
    local start=$SECONDS
    mkdir -p "$out"
    rm -rf "$out/cache"
    "$bin" -vulndb "$vulndb_dir" -out "$out/archive" -captured "$vulndb_time" | sed "s/^/  /" ||
      die "grype database build failed."
    basename "$bin" >"$stamp"
    say "grype: database built in $((SECONDS - start)) s: $out/archive"
  fi
  ln -sfn "$vulndb_version" "$db_root/grype/current"
  local grype
  if grype=$(command -v grype || ls "$cache_root"/bin/grype 2>/dev/null); then
    if [ ! -f "$out/cache/6/vulnerability.db" ]; then
      local archive
      archive=$(ls "$out"/archive/vulnerability-db_v6*.tar.gz)
      GRYPE_DB_CACHE_DIR="$out/cache" GRYPE_CHECK_FOR_APP_UPDATE=false "$grype" db import "$archive" ||
        die "grype db import $archive failed."
    fi
    GRYPE_DB_CACHE_DIR="$out/cache" GRYPE_DB_VALIDATE_AGE=false GRYPE_CHECK_FOR_APP_UPDATE=false "$grype" db status |
      sed "s/^/  /" || die "grype does not accept the database in $out/cache"
    say "grype: use GRYPE_DB_CACHE_DIR=$db_root/grype/current/cache (docker-scan: database: \"$db_root/grype/current/cache\")"
  else
    say "grype: not installed; import later with: GRYPE_DB_CACHE_DIR=$out/cache grype db import $out/archive/vulnerability-db_v6*.tar.gz"
    say "grype: or give the archive itself as docker-scan's database: $(ls "$out"/archive/vulnerability-db_v6*.tar.gz)"
  fi
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(all)
total_start=$SECONDS
for target in "${targets[@]}"; do
  case "$target" in
    trivy) build_trivy ;;
    grype) build_grype ;;
    all) build_trivy; build_grype ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) die "unknown database: $target" "Usage: $0 [trivy|grype|all]..." ;;
  esac
done
say "done in $((SECONDS - total_start)) s"
