#!/usr/bin/env bash
# demo.sh - on a fresh machine: set everything up, then run the main job of @org/go
# (tools/demo.mjs: a throw-away workspace, generated services, only affected images rebuilt,
# one service run and probed, its URL printed). Arguments go to demo.mjs (--dir, --cleanup).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash tools/setup.sh
[ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false
npx nx run go:build --outputStyle=static
exec node tools/demo.mjs "$@"
