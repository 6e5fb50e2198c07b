# shellcheck shell=bash
# Messages of the tools/ scripts, prefixed with the script's name: set LOG_PREFIX, then source this file.

say() { printf '%s: %s\n' "$LOG_PREFIX" "$*"; }

# die MESSAGE [DETAIL...]: the message, each detail on its own indented line, exit 1.
die() {
  printf '%s: ERROR: %s\n' "$LOG_PREFIX" "$1" >&2
  shift
  local line
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}
