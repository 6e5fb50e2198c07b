#!/usr/bin/env bash
# test-all.sh - set this machine up and run every test of @org/go:
# unit and Docker-backed specs of packages/go, then the end-to-end suite (local verdaccio,
# create-nx-workspace, nx add @org/go, generate, build, run, probe).
#
# Docker-backed specs never skip here: the setup step starts an engine, and ORG_GO_REQUIRE_DOCKER=1
# makes a missing engine a failure instead of a skip.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash tools/setup.sh
[ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"

export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false ORG_GO_REQUIRE_DOCKER=1
results="$root/tmp/test-results"
rm -rf "$results"
mkdir -p "$results"

status=0
printf '\n==> Type check\n'
npx nx run-many -t typecheck --outputStyle=static || status=1

printf '\n==> Unit and Docker-backed tests (packages/go)\n'
npx nx run go:test --skip-nx-cache --outputStyle=static --ci --json --outputFile="$results/go.json" || status=1

printf '\n==> End-to-end tests (e2e/go-e2e)\n'
npx nx run go-e2e:e2e --skip-nx-cache --outputStyle=static --ci --json --outputFile="$results/go-e2e.json" || status=1

printf '\n==> Summary\n'
node tools/summarize-tests.mjs "$results/go.json" "$results/go-e2e.json" || status=1
exit "$status"
