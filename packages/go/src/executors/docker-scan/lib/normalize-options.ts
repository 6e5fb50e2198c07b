import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { resolveFromProject, type ProjectLocation } from '../../../utils/executor-context';
import type { DockerScanExecutorSchema } from '../schema';
import { parseSeverity } from './severity';
import { type ScannerName, type Severity } from './scanners/types';

export interface NormalizedScanOptions {
  scanner: ScannerName | 'auto';
  scannerPath?: string;
  failOn?: Severity;
  unratedSeverity?: Severity;
  ignoreUnfixed: boolean;
  ignoreFile: string;
  ignoreFileExplicit: boolean;
  format: 'table' | 'json' | 'sarif';
  /** Absolute path of the report in `format`. */
  outputFile: string;
  /** Absolute path of scan.json (always written). */
  recordFile: string;
  offline: boolean;
  database?: string;
  maxDatabaseAgeDays: number;
  govulncheckMode: 'binary' | 'source';
  binaryPath?: string;
  timeoutMs: number;
}

const SCANNERS = ['auto', 'govulncheck', 'trivy', 'grype'];
const EXTENSIONS = { table: 'txt', json: 'json', sarif: 'sarif' } as const;

/** The folder docker-scan writes to: beside image.json. */
export function scanOutputDir(projectRoot: string): string {
  return join('dist', projectRoot, 'docker');
}

/** Environment variables naming each scanner's database when the option is not set (the scanners' own, for Trivy and Grype). */
export const DATABASE_ENV: Record<ScannerName, string> = { govulncheck: 'ORG_GO_VULNDB', trivy: 'TRIVY_CACHE_DIR', grype: 'GRYPE_DB_CACHE_DIR' };

/** The database a scanner uses when the option is not set: ORG_GO_VULNDB, TRIVY_CACHE_DIR or GRYPE_DB_CACHE_DIR. */
export function defaultDatabase(scanner: ScannerName, env: NodeJS.ProcessEnv): string | undefined {
  return env[DATABASE_ENV[scanner]] || undefined;
}

/** Validates every option before anything runs; each error names the option and a valid example. */
export function normalizeScanOptions(options: DockerScanExecutorSchema, location: ProjectLocation): NormalizedScanOptions {
  const scanner = (options.scanner ?? 'auto') as ScannerName | 'auto';
  if (!SCANNERS.includes(scanner)) throw new Error(`Option "scanner" is "${scanner}". Use one of ${SCANNERS.join(', ')} (e.g. --scanner=govulncheck).`);
  if (options.failOn !== undefined && options.severity !== undefined && options.failOn.toUpperCase() !== options.severity.toUpperCase()) {
    throw new Error(`Options "failOn" (${options.failOn}) and "severity" (${options.severity}) disagree; "severity" is an alias of "failOn". Set only one.`);
  }
  const gate = options.failOn ?? options.severity ?? 'CRITICAL';
  const failOn = gate.toUpperCase() === 'NONE' ? undefined : parseSeverity(gate, options.failOn !== undefined ? 'failOn' : 'severity');
  const unratedSeverity = options.unratedSeverity !== undefined ? parseSeverity(options.unratedSeverity, 'unratedSeverity') : undefined;
  const format = options.format ?? 'table';
  if (!(format in EXTENSIONS)) throw new Error(`Option "format" is "${format}". Use table, json or sarif (e.g. --format=sarif).`);
  const timeout = options.timeout ?? 600;
  if (!(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) throw new Error(`Option "timeout" must be a number of seconds above 0, e.g. 600 (got ${timeout}).`);
  const maxAge = options.maxDatabaseAge ?? 7;
  if (!(typeof maxAge === 'number' && maxAge >= 0)) throw new Error(`Option "maxDatabaseAge" must be a number of days (0 turns the warning off), e.g. 7 (got ${maxAge}).`);
  const mode = options.govulncheckMode ?? 'binary';
  if (mode !== 'binary' && mode !== 'source') throw new Error(`Option "govulncheckMode" is "${mode}". Use binary or source.`);
  if (options.binaryPath !== undefined && !options.binaryPath.startsWith('/')) {
    throw new Error(`Option "binaryPath" must be an absolute path inside the image, e.g. /orders (got "${options.binaryPath}").`);
  }

  const outDir = join(location.workspaceRoot, scanOutputDir(location.projectRoot));
  const outputFile = options.outputFile
    ? options.outputFile.startsWith('dist/')
      ? resolveFromProject({ ...location, projectRoot: '.' }, options.outputFile, 'outputFile')
      : resolveFromProject(location, options.outputFile, 'outputFile')
    : join(outDir, `scan.${EXTENSIONS[format]}`);
  const ignoreFile = resolveFromProject(location, options.ignoreFile ?? '.vulnignore', 'ignoreFile');
  let database = options.database;
  if (database && !/^[a-z]+:\/\//.test(database) && !isAbsolute(database)) database = resolveFromProject(location, database, 'database');
  if (database && !/^[a-z]+:\/\//.test(database) && !existsSync(database)) {
    throw new Error(`Option "database" (${options.database}) does not exist. Point it at the scanner's database folder, or drop it to use the scanner's default.`);
  }
  return {
    scanner,
    scannerPath: options.scannerPath,
    failOn,
    unratedSeverity,
    ignoreUnfixed: options.ignoreUnfixed ?? false,
    ignoreFile,
    ignoreFileExplicit: options.ignoreFile !== undefined,
    format,
    outputFile,
    recordFile: join(outDir, 'scan.json'),
    offline: options.offline ?? false,
    database,
    maxDatabaseAgeDays: maxAge,
    govulncheckMode: mode,
    binaryPath: options.binaryPath,
    timeoutMs: Math.round(timeout * 1000),
  };
}
