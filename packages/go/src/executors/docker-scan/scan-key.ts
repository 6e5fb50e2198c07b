/**
 * Prints what a docker-scan result depends on besides its task inputs: every installed scanner's version
 * and the update time of its database. Nx runs it as a `runtime` input of the inferred docker-scan target,
 * so a new scanner release or a new database day re-scans, and an unchanged image with an unchanged
 * database replays from cache. A database whose date cannot be read (an online one) counts as today's.
 * Never fails: a scanner it cannot ask is printed as such.
 */
import { defaultDatabase } from './lib/normalize-options';
import { findExecutable, knownScanners, scannerAdapter } from './lib/scanners';

export async function scanCacheKey(env: NodeJS.ProcessEnv = process.env, today = new Date()): Promise<string> {
  const lines: string[] = [];
  for (const name of knownScanners()) {
    const adapter = scannerAdapter(name);
    const executable = findExecutable(adapter.executable, env);
    if (!executable) {
      lines.push(`${name}: not installed`);
      continue;
    }
    try {
      const version = await adapter.version(executable, { database: defaultDatabase(name, env), env, timeoutMs: 30_000 });
      lines.push(`${name}: ${version.version} database ${version.database ?? 'default'} updated ${version.databaseUpdatedAt ?? `unknown, day ${today.toISOString().slice(0, 10)}`}`);
    } catch (err) {
      lines.push(`${name}: cannot tell its version (${(err as Error).message.split('\n')[0]})`);
    }
  }
  return lines.join('\n');
}

export { SCAN_KEY_COMMAND } from './scan-key-command';

export function printScanCacheKey(): void {
  scanCacheKey().then(
    (key) => console.log(key),
    (err: Error) => console.log(`scan key failed: ${err.message}`),
  );
}
