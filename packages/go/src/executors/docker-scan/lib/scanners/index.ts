import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { govulncheckAdapter } from './govulncheck';
import { grypeAdapter } from './grype';
import { trivyAdapter } from './trivy';
import type { ScannerAdapter, ScannerName } from './types';

const ADAPTERS: Record<ScannerName, ScannerAdapter> = {
  trivy: trivyAdapter,
  grype: grypeAdapter,
  govulncheck: govulncheckAdapter,
};

/** Order tried by `scanner: auto`. */
export const AUTO_ORDER: ScannerName[] = ['trivy', 'grype', 'govulncheck'];

export function scannerAdapter(name: ScannerName): ScannerAdapter {
  const adapter = ADAPTERS[name];
  if (!adapter) throw new Error(`The scanner "${name}" has no adapter in this version of @org/go. Use one of: ${Object.keys(ADAPTERS).join(', ')}.`);
  return adapter;
}

export function knownScanners(): ScannerName[] {
  return AUTO_ORDER.filter((name) => ADAPTERS[name]);
}

/** Where tools/scanners/install.sh (and users following the docs) put scanner binaries. */
export function scannerCacheBin(env: NodeJS.ProcessEnv): string {
  const root = env.ORG_GO_SCANNER_CACHE ?? join(env.XDG_CACHE_HOME ?? join(env.HOME ?? homedir(), '.cache'), 'org-go', 'scanners');
  return join(root, 'bin');
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Looks an executable up on PATH, then in the scanner cache and `$GOPATH/bin`-style folders. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  const folders = [
    ...(env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean),
    scannerCacheBin(env),
    join(env.GOPATH ?? join(env.HOME ?? homedir(), 'go'), 'bin'),
  ];
  for (const folder of folders) {
    for (const extension of extensions) {
      const candidate = join(folder, name + extension);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

export interface ResolvedScanner {
  adapter: ScannerAdapter;
  executablePath: string;
}

/**
 * Picks the scanner: the one named (with an explicit path, or found on PATH), or for `auto` the first of
 * Trivy, Grype, govulncheck that is installed. Not found → one message with the install command.
 */
export function resolveScanner(name: ScannerName | 'auto', explicitPath: string | undefined, env: NodeJS.ProcessEnv, platform = process.platform): ResolvedScanner {
  if (name !== 'auto') {
    const adapter = scannerAdapter(name);
    if (explicitPath) {
      const path = isAbsolute(explicitPath) ? explicitPath : (findExecutable(explicitPath, env) ?? explicitPath);
      if (!isExecutableFile(path)) throw new Error(`Option "scannerPath" (${explicitPath}) is not an executable file. Point it at the ${name} binary, or drop it to search PATH.`);
      return { adapter, executablePath: path };
    }
    const found = findExecutable(adapter.executable, env);
    if (!found) throw new Error(`${name} is not installed (not on PATH). Install it with:\n  ${adapter.installHint(platform)}\nor set "scannerPath" to its binary.`);
    return { adapter, executablePath: found };
  }
  for (const candidate of knownScanners()) {
    const adapter = scannerAdapter(candidate);
    const found = findExecutable(adapter.executable, env);
    if (found) return { adapter, executablePath: found };
  }
  const hints = knownScanners().map((candidate) => `  ${candidate}: ${scannerAdapter(candidate).installHint(platform)}`);
  throw new Error(`No vulnerability scanner is installed (looked for ${knownScanners().join(', ')} on PATH). Install one:\n${hints.join('\n')}`);
}
