import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findExecutable, scannerAdapter } from '../executors/docker-scan/lib/scanners';
import type { ScannerName } from '../executors/docker-scan/lib/scanners/types';

export const REPO_ROOT = resolve(__dirname, '../../../..');
const mustRun = ['true', '1'].includes(process.env.CI ?? '') || process.env.ORG_GO_REQUIRE_DOCKER === '1';

/** The scanner's path for specs; undefined locally when it is not installed (under CI: a failure, with the install command). */
export function scannerForSpecs(name: ScannerName): string | undefined {
  const found = findExecutable(scannerAdapter(name).executable, process.env);
  if (!found && mustRun) {
    throw new Error(`${name} is not installed, and under CI scanner specs never skip. Run "bash tools/scanners/install.sh ${name}" (tools/setup.sh does).`);
  }
  if (!found) {
    // eslint-disable-next-line no-console
    console.warn(`${name} is not installed: skipping its specs. Install: bash tools/scanners/install.sh ${name}`);
  }
  return found;
}

/** `describe` for specs that need a scanner binary (and, under CI, never skip). */
export function describeWithScanner(name: ScannerName): jest.Describe {
  return (scannerForSpecs(name) ? describe : describe.skip) as jest.Describe;
}

/** The offline Go vulnerability database built from the golang.org/x/vulndb module (idempotent, ~1 s). */
export function offlineGoVulnDb(): string {
  return execFileSync(process.execPath, [join(REPO_ROOT, 'tools/vulndb/build.mjs'), '--print-dir'], { encoding: 'utf8' }).trim();
}

/**
 * Builds a small Go program on the host (CGO off, linux) and returns the binary's path. `requires` are
 * `module@version` pairs fetched through the Go module proxy.
 */
export function buildGoProgram(dir: string, main: string, requires: string[] = []): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), 'module example.com/scanprobe\n\ngo 1.22\n');
  writeFileSync(join(dir, 'main.go'), main);
  const env = { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod', CGO_ENABLED: '0', GOOS: 'linux', GOTOOLCHAIN: 'local' };
  for (const requirement of requires) execFileSync('go', ['get', requirement], { cwd: dir, env, stdio: 'pipe' });
  execFileSync('go', ['build', '-trimpath', '-o', 'probe', '.'], { cwd: dir, env, stdio: 'pipe' });
  return join(dir, 'probe');
}

/** A program that calls golang.org/x/text/language.Parse: vulnerable (GO-2021-0113) before x/text v0.3.7. */
export const LANGUAGE_PARSE_MAIN = `package main

import (
\t"fmt"
\t"os"

\t"golang.org/x/text/language"
)

func main() {
\ttag, err := language.Parse(os.Args[len(os.Args)-1])
\tfmt.Println(tag, err)
}
`;
