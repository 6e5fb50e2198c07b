import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { makeTempDir, type TempDir } from '../../../temp-dir';
import { normalizeSeverity } from '../severity';
import { exitDescription, runProcess, stderrTail } from './run-process';
import type { Finding, ScanRequest, ScannerAdapter, ScannerVersion, ScanResult } from './types';

export const TRIVY_MODULE = 'github.com/aquasecurity/trivy/cmd/trivy';
export const TRIVY_VERSION = 'v0.74.0';
export const TRIVY_INSTALL_SCRIPT = 'bash tools/scanners/install.sh trivy';

interface TrivyVulnerability {
  VulnerabilityID: string;
  VendorIDs?: string[];
  PkgName: string;
  InstalledVersion?: string;
  FixedVersion?: string;
  Status?: string;
  Severity?: string;
  Title?: string;
  Description?: string;
  PrimaryURL?: string;
  References?: string[];
}

interface TrivyResult {
  Target: string;
  Class?: string;
  Type?: string;
  Packages?: unknown[];
  Vulnerabilities?: TrivyVulnerability[] | null;
}

export interface TrivyReport {
  SchemaVersion: number;
  Trivy?: { Version?: string };
  ArtifactName: string;
  ArtifactType?: string;
  Results?: TrivyResult[];
}

/** Trivy's `--format json` report as findings. Throws when the text is not such a report. */
export function parseTrivyJson(text: string): { report: TrivyReport; findings: Finding[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
  const report = parsed as TrivyReport;
  if (!report || typeof report !== 'object' || typeof report.SchemaVersion !== 'number' || typeof report.ArtifactName !== 'string') {
    throw new Error('no "SchemaVersion"/"ArtifactName": not a Trivy JSON report');
  }
  if (report.SchemaVersion !== 2) throw new Error(`Trivy report schema ${report.SchemaVersion} is not supported (expected 2)`);
  if (report.Results !== undefined && !Array.isArray(report.Results)) throw new Error('"Results" is not a list');
  const findings: Finding[] = [];
  for (const result of report.Results ?? []) {
    for (const v of result.Vulnerabilities ?? []) {
      if (typeof v?.VulnerabilityID !== 'string' || typeof v.PkgName !== 'string') {
        throw new Error(`a vulnerability of target "${result.Target}" has no VulnerabilityID/PkgName`);
      }
      const title = v.Title?.trim() || v.Description?.trim().split('\n')[0] || v.VulnerabilityID;
      findings.push({
        id: v.VulnerabilityID,
        aliases: [...new Set((v.VendorIDs ?? []).filter((id) => id && id !== v.VulnerabilityID))],
        package: v.PkgName,
        installed: v.InstalledVersion || 'unknown',
        fixed: v.FixedVersion?.trim() || undefined,
        severity: normalizeSeverity(v.Severity),
        title,
        url: v.PrimaryURL || v.References?.[0],
        target: result.Target,
      });
    }
  }
  return { report, findings };
}

/** Trivy's log lines at WARN or above (timestamps dropped), for the report's notes. */
export function trivyNotes(stderr: string): string[] {
  const notes: string[] = [];
  for (const line of stderr.split('\n')) {
    const match = /^\S+\s+(WARN|ERROR)\s+(.*)$/.exec(line.trim());
    if (match) notes.push(`trivy ${match[1].toLowerCase()}: ${match[2].replace(/\s+/g, ' ').trim()}`);
  }
  return [...new Set(notes)];
}

/** Trivy's default cache directory (where `trivy` keeps db/ when no --cache-dir is given). */
export function trivyDefaultCacheDir(env: NodeJS.ProcessEnv): string {
  return env.TRIVY_CACHE_DIR || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'trivy');
}

export type TrivyDatabase =
  /** A local database folder holding trivy.db and metadata.json. */
  | { kind: 'local'; dbDir: string }
  /** An OCI repository Trivy downloads the database from (`--db-repository`). */
  | { kind: 'repository'; repository: string }
  /** Trivy's own default: its cache directory, updated from its default repository. */
  | { kind: 'default' };

function isDbDir(dir: string): boolean {
  return existsSync(join(dir, 'trivy.db')) && existsSync(join(dir, 'metadata.json'));
}

/**
 * What the `database` option means for Trivy: a Trivy cache directory (holding db/trivy.db, as
 * `--cache-dir` and tools/scanners/build-dbs.sh make), the db/ folder itself, or an OCI repository.
 * Offline without a database, Trivy's default cache directory must already hold one.
 */
export function resolveTrivyDatabase(database: string | undefined, offline: boolean, env: NodeJS.ProcessEnv): TrivyDatabase {
  const buildHint = 'Build one offline with "bash tools/scanners/build-dbs.sh trivy" (from the Go vulnerability database) and set "database" to the path it prints, or download one where a registry is reachable with "trivy image --download-db-only --cache-dir DIR".';
  if (database) {
    const path = resolve(database);
    if (isDbDir(join(path, 'db'))) return { kind: 'local', dbDir: join(path, 'db') };
    if (isDbDir(path)) return { kind: 'local', dbDir: path };
    // `registry.example.com/trivy-db:2`: a repository; anything else is a path that does not hold a database.
    const firstSegment = database.split('/')[0];
    const registryHost = /^([a-z0-9-]+(\.[a-z0-9-]+)+|localhost|[a-z0-9-]+:\d+)(:\d+)?$/i.test(firstSegment);
    const repositoryLike = registryHost && /^[^/]+(\/[a-z0-9._-]+)+(:[\w.-]+)?$/i.test(database) && !existsSync(path);
    if (!repositoryLike) {
      throw new Error(`Option "database" (${database}) is not a Trivy database: expected ${join(path, 'db', 'trivy.db')} and metadata.json next to it. ${buildHint}`);
    }
    if (offline) throw new Error(`Option "database" (${database}) names a database repository, but "offline" forbids downloading it. ${buildHint}`);
    return { kind: 'repository', repository: database };
  }
  const defaultDb = join(trivyDefaultCacheDir(env), 'db');
  if (offline) {
    if (isDbDir(defaultDb)) return { kind: 'local', dbDir: defaultDb };
    throw new Error(`Trivy has no vulnerability database at ${defaultDb}, and "offline" forbids downloading it. ${buildHint}`);
  }
  return { kind: 'default' };
}

/** A cache directory under `scratch` whose db/ is the given database (Trivy reads <cache-dir>/db). */
function linkedCacheDir(dbDir: string, scratch: string): string {
  const cacheDir = join(scratch, 'trivy-cache');
  mkdirSync(cacheDir, { recursive: true });
  symlinkSync(dbDir, join(cacheDir, 'db'), 'dir');
  return cacheDir;
}

interface TrivyVersionJson {
  Version?: string;
  VulnerabilityDB?: { Version?: number; UpdatedAt?: string; NextUpdate?: string; DownloadedAt?: string };
}

function describeDatabase(db: TrivyDatabase, env: NodeJS.ProcessEnv): string {
  if (db.kind === 'local') return db.dbDir;
  if (db.kind === 'repository') return db.repository;
  return `${join(trivyDefaultCacheDir(env), 'db')} (Trivy's default, updated from its default repository)`;
}

export const trivyAdapter: ScannerAdapter = {
  name: 'trivy',
  executable: 'trivy',
  // Trivy reads the image straight from the engine (`--image-src docker`, honouring DOCKER_HOST): no
  // archive is written, and nothing falls back to a registry when the engine does not have the image.
  needs: ['image'],
  installHint: (platform) =>
    platform === 'darwin'
      ? `brew install trivy   (or from the Go module proxy: ${TRIVY_INSTALL_SCRIPT}, ~15 min build)`
      : `${TRIVY_INSTALL_SCRIPT}   (builds ${TRIVY_MODULE}@${TRIVY_VERSION} from the Go module proxy, ~15 min cold; then put $(bash tools/scanners/install.sh --print-bin-dir) on PATH)`,

  async version(executablePath, request): Promise<ScannerVersion> {
    const db = resolveTrivyDatabase(request.database, false, request.env);
    const args = ['version', '--format', 'json'];
    let scratch: TempDir | undefined;
    if (db.kind === 'local') {
      if (basename(db.dbDir) === 'db') args.push('--cache-dir', dirname(db.dbDir));
      else {
        scratch = makeTempDir('org-go-trivy-version-');
        args.push('--cache-dir', linkedCacheDir(db.dbDir, scratch.path));
      }
    }
    try {
      const result = await runProcess(executablePath, args, { env: request.env, timeoutMs: Math.min(request.timeoutMs, 30_000) });
      let parsed: TrivyVersionJson | undefined;
      try {
        parsed = JSON.parse(result.stdout) as TrivyVersionJson;
      } catch {
        parsed = undefined;
      }
      if (result.code !== 0 || !parsed?.Version) {
        throw new Error(`"${executablePath} version --format json" did not print a Trivy version (exit ${result.code ?? result.signal}):\n${stderrTail(result.stderr || result.stdout)}`);
      }
      const updatedAt = parsed.VulnerabilityDB?.UpdatedAt;
      const schema = parsed.VulnerabilityDB?.Version;
      return {
        scanner: 'trivy',
        version: parsed.Version.startsWith('v') ? parsed.Version : `v${parsed.Version}`,
        databaseUpdatedAt: updatedAt && !updatedAt.startsWith('0001-') ? updatedAt : undefined,
        database: `${describeDatabase(db, request.env)}${schema ? ` (schema ${schema})` : ''}`,
      };
    } finally {
      scratch?.remove();
    }
  },

  async scan(executablePath, request: ScanRequest): Promise<ScanResult> {
    const db = resolveTrivyDatabase(request.database, request.offline, request.env);
    const timeoutSeconds = Math.max(1, Math.ceil(request.timeoutMs / 1000));
    const args = [
      'image',
      '--format', 'json',
      // Findings never change the exit code (TRIVY_EXIT_CODE in the environment would): the gate is the executor's.
      '--exit-code', '0',
      '--scanners', 'vuln',
      '--image-src', 'docker',
      // Trivy's own limit (5 min by default) would cut long scans short of the executor's "timeout".
      '--timeout', `${timeoutSeconds + 30}s`,
      '--no-progress',
      '--skip-version-check',
      '--disable-telemetry',
      // The scan cache (image layers already analysed) stays in memory: nothing is written outside workDir.
      '--cache-backend', 'memory',
    ];
    if (db.kind === 'local') {
      args.push('--cache-dir', linkedCacheDir(db.dbDir, request.workDir), '--skip-db-update', '--skip-java-db-update');
    } else if (db.kind === 'repository') {
      args.push('--db-repository', db.repository, '--cache-dir', join(request.workDir, 'trivy-cache'));
    }
    if (request.offline) args.push('--offline-scan');
    if (request.ignoreUnfixed) args.push('--ignore-unfixed');
    args.push(request.imageReference);

    const result = await runProcess(executablePath, args, { env: request.env, cwd: request.workDir, timeoutMs: request.timeoutMs });
    if (result.timedOut) throw new Error(`trivy did not finish within ${Math.round(request.timeoutMs / 1000)} s (option "timeout").\n${stderrTail(result.stderr)}`);
    // With --exit-code 0 Trivy exits 0 whatever it finds: any other exit is a failure, never "no findings".
    if (result.code !== 0) throw new Error(`trivy failed ${exitDescription(result)}:\n${stderrTail(result.stderr || result.stdout)}`);
    let parsed: ReturnType<typeof parseTrivyJson>;
    try {
      parsed = parseTrivyJson(result.stdout);
    } catch (err) {
      throw new Error(`trivy printed output that cannot be read (${(err as Error).message}):\n${stderrTail(result.stderr || result.stdout.slice(0, 2000))}`);
    }
    const notes = trivyNotes(result.stderr);
    const results = parsed.report.Results ?? [];
    if (results.length === 0) notes.push('trivy found no OS packages and no language packages (e.g. Go binaries) to check in the image.');
    return { findings: parsed.findings, raw: result.stdout, notes };
  },
};
