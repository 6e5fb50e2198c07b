import { existsSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeTempDir } from '../../../temp-dir';
import { normalizeSeverity } from '../severity';
import { exitDescription, runProcess, stderrTail } from './run-process';
import type { Finding, ScanRequest, ScannerAdapter, ScannerVersion, ScanResult } from './types';

export const GRYPE_MODULE = 'github.com/anchore/grype/cmd/grype';
export const GRYPE_VERSION = 'v0.121.2';
export const GRYPE_INSTALL_SCRIPT = 'bash tools/scanners/install.sh grype';
/** The database schema this Grype reads: its cache dir holds `<schema>/vulnerability.db`. */
export const GRYPE_SCHEMA = '6';

interface GrypeVulnerability {
  id: string;
  dataSource?: string;
  namespace?: string;
  severity?: string;
  urls?: string[];
  description?: string;
  fix?: { versions?: string[]; state?: string };
}

interface GrypeMatch {
  vulnerability: GrypeVulnerability;
  relatedVulnerabilities?: Array<{ id: string }>;
  matchDetails?: Array<{ type?: string; found?: { matchedSymbols?: string[] } }>;
  artifact: { name: string; version: string; type?: string; locations?: Array<{ path?: string }> };
}

export interface GrypeReport {
  matches: GrypeMatch[];
  source?: { type?: string; target?: unknown };
  distro?: { name?: string; version?: string };
  descriptor?: { name?: string; version?: string; db?: unknown };
}

/** Grype's log output can carry colour codes even when it is not a terminal. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}

function firstLine(text: string | undefined, max = 160): string | undefined {
  const line = text?.trim().split('\n')[0]?.trim();
  if (!line) return undefined;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Grype's `-o json` document as findings. Throws when the text is not such a document. */
export function parseGrypeJson(text: string): { report: GrypeReport; findings: Finding[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
  const report = parsed as GrypeReport;
  if (!report || typeof report !== 'object' || !Array.isArray(report.matches) || report.descriptor?.name !== 'grype') {
    throw new Error('no "matches" list from a "grype" descriptor: not Grype JSON output');
  }
  const findings: Finding[] = report.matches.map((match, index) => {
    const v = match?.vulnerability;
    if (typeof v?.id !== 'string' || typeof match.artifact?.name !== 'string') throw new Error(`match ${index} has no vulnerability id or artifact name`);
    const fixed = v.fix?.state === 'fixed' && v.fix.versions?.length ? v.fix.versions.join(', ') : undefined;
    const symbols = [...new Set((match.matchDetails ?? []).flatMap((detail) => detail.found?.matchedSymbols ?? []))];
    const finding: Finding = {
      id: v.id,
      aliases: [...new Set((match.relatedVulnerabilities ?? []).map((related) => related.id).filter((id) => id && id !== v.id))],
      package: match.artifact.name,
      installed: match.artifact.version || 'unknown',
      fixed,
      severity: normalizeSeverity(v.severity),
      // Grype keeps the advisory's description, not its summary: its first line is the title.
      title: firstLine(v.description) ?? v.id,
      url: v.dataSource || v.urls?.[0],
      target: match.artifact.locations?.[0]?.path,
    };
    if (symbols.length) finding.symbols = symbols;
    return finding;
  });
  return { report, findings };
}

/** Grype's log lines at WARN or above, without colour codes or the elapsed-time prefix. */
export function grypeNotes(stderr: string): string[] {
  const notes: string[] = [];
  for (const line of stripAnsi(stderr).split('\n')) {
    const match = /^(?:\[\d+\]\s*)?(WARN|ERROR)\s+(.*)$/.exec(line.trim());
    if (match) notes.push(`grype ${match[1].toLowerCase()}: ${match[2].trim()}`);
  }
  return [...new Set(notes)];
}

/** Grype's default database cache directory (holds `6/vulnerability.db`). */
export function grypeDefaultCacheDir(env: NodeJS.ProcessEnv): string {
  return env.GRYPE_DB_CACHE_DIR || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'grype', 'db');
}

export type GrypeDatabase =
  /** A folder holding vulnerability.db (a schema folder, or the output of a DB build). */
  | { kind: 'local'; schemaDir: string }
  /** A DB archive (file or URL) that `grype db import` installs into the scan's own cache dir. */
  | { kind: 'archive'; archive: string }
  /** Grype's own default: its cache dir, updated from its default listing. */
  | { kind: 'default' };

function hasDb(dir: string): boolean {
  return existsSync(join(dir, 'vulnerability.db'));
}

/**
 * What the `database` option means for Grype: a Grype DB cache dir (holding 6/vulnerability.db, as
 * GRYPE_DB_CACHE_DIR and tools/scanners/build-dbs.sh make), a folder holding vulnerability.db, or a DB
 * archive (`.tar.gz`/`.tar.zst`/`.tar.xz`, a file or an https URL) for `grype db import`.
 */
export function resolveGrypeDatabase(database: string | undefined, offline: boolean, env: NodeJS.ProcessEnv): GrypeDatabase {
  const buildHint =
    'Build one offline with "bash tools/scanners/build-dbs.sh grype" (from the Go vulnerability database) and set "database" to the path it prints, or give a DB archive from "grype db list".';
  if (database) {
    if (/^https?:\/\//i.test(database)) {
      if (offline) throw new Error(`Option "database" (${database}) is a URL, but "offline" forbids downloading it. ${buildHint}`);
      return { kind: 'archive', archive: database };
    }
    const path = resolve(database);
    if (existsSync(path) && statSync(path).isFile()) {
      if (!/\.tar(\.(gz|zst|xz))?$/.test(path)) throw new Error(`Option "database" (${database}) is a file but not a Grype DB archive (.tar.gz, .tar.zst or .tar.xz). ${buildHint}`);
      return { kind: 'archive', archive: path };
    }
    if (hasDb(join(path, GRYPE_SCHEMA))) return { kind: 'local', schemaDir: join(path, GRYPE_SCHEMA) };
    if (hasDb(path)) return { kind: 'local', schemaDir: path };
    throw new Error(`Option "database" (${database}) is not a Grype database: expected ${join(path, GRYPE_SCHEMA, 'vulnerability.db')}. ${buildHint}`);
  }
  const defaultDir = join(grypeDefaultCacheDir(env), GRYPE_SCHEMA);
  if (offline) {
    if (hasDb(defaultDir)) return { kind: 'local', schemaDir: defaultDir };
    throw new Error(`Grype has no vulnerability database at ${defaultDir}, and "offline" forbids downloading it. ${buildHint}`);
  }
  return { kind: 'default' };
}

/** Settings that keep Grype from reaching the network on its own (update checks, DB downloads). */
function grypeEnv(base: NodeJS.ProcessEnv, cacheDir: string | undefined, offline: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, GRYPE_CHECK_FOR_APP_UPDATE: 'false', NO_COLOR: '1' };
  if (cacheDir) {
    env.GRYPE_DB_CACHE_DIR = cacheDir;
    // A database the user pinned is used as it is: no update, and its age is the executor's business.
    env.GRYPE_DB_AUTO_UPDATE = 'false';
    env.GRYPE_DB_VALIDATE_AGE = 'false';
  } else if (offline) {
    env.GRYPE_DB_AUTO_UPDATE = 'false';
  }
  return env;
}

/**
 * A Grype DB cache dir under `scratch` holding the database: a link to a local schema folder, or the
 * archive imported with `grype db import`. Undefined for Grype's default cache.
 */
async function prepareCacheDir(executablePath: string, db: GrypeDatabase, scratch: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | undefined> {
  if (db.kind === 'default') return undefined;
  const cacheDir = join(scratch, 'grype-db');
  mkdirSync(cacheDir, { recursive: true });
  if (db.kind === 'local') {
    symlinkSync(db.schemaDir, join(cacheDir, GRYPE_SCHEMA), 'dir');
    return cacheDir;
  }
  const result = await runProcess(executablePath, ['db', 'import', db.archive], { env: grypeEnv(env, cacheDir, false), cwd: scratch, timeoutMs });
  if (result.timedOut || result.code !== 0) {
    throw new Error(`grype db import ${db.archive} failed (${result.timedOut ? 'timed out' : `exit ${result.code ?? result.signal}`}):\n${stderrTail(stripAnsi(result.stderr || result.stdout))}`);
  }
  return cacheDir;
}

interface GrypeStatusJson {
  schemaVersion?: string;
  built?: string;
  path?: string;
  valid?: boolean;
  error?: string;
}

export const grypeAdapter: ScannerAdapter = {
  name: 'grype',
  executable: 'grype',
  // The saved image (`docker-archive:`): Grype's engine source pulls from a registry when the engine
  // lacks the image, which an offline scan must never do; the archive needs nothing but the file.
  needs: ['archive'],
  installHint: (platform) =>
    platform === 'darwin'
      ? `brew install grype   (or from the Go module proxy: ${GRYPE_INSTALL_SCRIPT}, ~6 min build)`
      : `${GRYPE_INSTALL_SCRIPT}   (builds ${GRYPE_MODULE}@${GRYPE_VERSION} from the Go module proxy, ~6 min cold; then put $(bash tools/scanners/install.sh --print-bin-dir) on PATH)`,

  async version(executablePath, request): Promise<ScannerVersion> {
    const timeoutMs = Math.min(request.timeoutMs, 60_000);
    const versionRun = await runProcess(executablePath, ['version', '-o', 'json'], { env: grypeEnv(request.env, undefined, true), timeoutMs });
    let version: string | undefined;
    try {
      version = (JSON.parse(versionRun.stdout) as { version?: string }).version;
    } catch {
      version = undefined;
    }
    if (versionRun.code !== 0 || !version) {
      throw new Error(`"${executablePath} version -o json" did not print a Grype version (exit ${versionRun.code ?? versionRun.signal}):\n${stderrTail(stripAnsi(versionRun.stderr || versionRun.stdout))}`);
    }
    const db = resolveGrypeDatabase(request.database, false, request.env);
    const scratchDir = makeTempDir('org-go-grype-version-');
    const scratch = scratchDir.path;
    try {
      const cacheDir = await prepareCacheDir(executablePath, db, scratch, request.env, timeoutMs);
      const statusRun = await runProcess(executablePath, ['db', 'status', '-o', 'json'], { env: grypeEnv(request.env, cacheDir, true), cwd: scratch, timeoutMs });
      let status: GrypeStatusJson = {};
      try {
        status = JSON.parse(statusRun.stdout) as GrypeStatusJson;
      } catch {
        status = { error: stderrTail(stripAnsi(statusRun.stderr)) };
      }
      const where = db.kind === 'local' ? db.schemaDir : db.kind === 'archive' ? db.archive : (status.path ?? join(grypeDefaultCacheDir(request.env), GRYPE_SCHEMA));
      return {
        scanner: 'grype',
        version: version.startsWith('v') ? version : `v${version}`,
        databaseUpdatedAt: status.valid && status.built ? status.built : undefined,
        database: `${where}${status.schemaVersion ? ` (schema ${status.schemaVersion})` : ''}${status.valid === false ? ` (not usable: ${status.error ?? 'invalid'})` : ''}`,
      };
    } finally {
      scratchDir.remove();
    }
  },

  async scan(executablePath, request: ScanRequest): Promise<ScanResult> {
    if (!request.archivePath) throw new Error('grype scans the saved image: the executor must provide "archivePath" (needs: archive).');
    const db = resolveGrypeDatabase(request.database, request.offline, request.env);
    const started = Date.now();
    const cacheDir = await prepareCacheDir(executablePath, db, request.workDir, request.env, request.timeoutMs);
    const remaining = Math.max(1000, request.timeoutMs - (Date.now() - started));
    const args = [`docker-archive:${request.archivePath}`, '-o', 'json'];
    if (request.ignoreUnfixed) args.push('--only-fixed');
    const result = await runProcess(executablePath, args, { env: grypeEnv(request.env, cacheDir, request.offline), cwd: request.workDir, timeoutMs: remaining });
    const stderr = stripAnsi(result.stderr);
    if (result.timedOut) throw new Error(`grype did not finish within ${Math.round(request.timeoutMs / 1000)} s (option "timeout").\n${stderrTail(stderr)}`);
    // Grype exits 0, or 2 when a configured fail-on severity is met (a findings exit); anything else fails.
    if (result.code !== 0 && result.code !== 2) throw new Error(`grype failed ${exitDescription(result)}:\n${stderrTail(stderr || result.stdout)}`);
    let parsed: ReturnType<typeof parseGrypeJson>;
    try {
      parsed = parseGrypeJson(result.stdout);
    } catch (err) {
      throw new Error(`grype printed output that cannot be read (${(err as Error).message}):\n${stderrTail(stderr || result.stdout.slice(0, 2000))}`);
    }
    if (result.code === 2 && parsed.findings.length === 0) throw new Error(`grype failed (exit 2 without any match):\n${stderrTail(stderr)}`);
    return { findings: parsed.findings, raw: result.stdout, notes: grypeNotes(stderr) };
  },
};
