#!/usr/bin/env bash
# capture-fixtures.sh - regenerate the real scanner outputs the Trivy and Grype parsing specs read
# (packages/go/src/executors/docker-scan/lib/scanners/__fixtures__/{trivy,grype}-*.json).
#
# Usage: tools/scanners/capture-fixtures.sh [trivy|grype]...   (default: both)
#
# Runs the scanners' Docker-backed specs with ORG_GO_CAPTURE_FIXTURES=1: they build the test images
# (a Go binary linking golang.org/x/text v0.3.5 on Go 1.26.8, and a clean one), scan them with the
# installed scanner and the offline database of tools/scanners/build-dbs.sh, assert on the result, and
# store the scanner's raw output. Needs: a Docker engine, the scanners (tools/scanners/install.sh).
set -euo pipefail

LOG_PREFIX=scanners-capture-fixtures
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/log.sh
. "$root/tools/lib/log.sh"

names=("$@")
[ ${#names[@]} -eq 0 ] && names=(trivy grype)
for name in "${names[@]}"; do
  case "$name" in trivy | grype) ;; *) die "unknown scanner: $name" "Usage: $0 [trivy|grype]..." ;; esac
done
pattern="src/executors/docker-scan/lib/scanners/($(IFS='|'; echo "${names[*]}"))\\.docker\\.spec\\.ts"

cd "$root"
PATH="$(bash tools/scanners/install.sh --print-bin-dir):$PATH"
export PATH
say "capturing ${names[*]} outputs (specs: $pattern)"
ORG_GO_CAPTURE_FIXTURES=1 ORG_GO_REQUIRE_DOCKER=1 npx jest -c packages/go/jest.config.js "$pattern" ||
  die "the capture specs failed; the fixtures were not all rewritten (see above)."
git -C "$root" status --short -- packages/go/src/executors/docker-scan/lib/scanners/__fixtures__ || true
say "done"
