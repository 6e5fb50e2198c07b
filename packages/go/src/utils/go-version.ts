import { execFileSync } from 'node:child_process';
import { FALLBACK_GO_VERSION } from './constants';

/** `go1.26.8` → `1.26`; undefined for anything else (e.g. `devel`). */
export function toLanguageVersion(goVersion: string): string | undefined {
  const match = goVersion.trim().match(/^(?:go)?(1\.\d+)(?:\.\d+)?/);
  return match?.[1];
}

/** The installed Go's language version (major.minor), else the pinned fallback. */
export function detectGoVersion(): string {
  try {
    const out = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    return toLanguageVersion(out) ?? FALLBACK_GO_VERSION;
  } catch {
    return FALLBACK_GO_VERSION;
  }
}
