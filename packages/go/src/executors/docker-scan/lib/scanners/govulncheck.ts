import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJsonStream } from './json-stream';
import { exitDescription, runProcess, stderrTail } from './run-process';
import type { Finding, ScanRequest, ScannerAdapter, ScannerVersion, ScanResult } from './types';

export const GOVULNCHECK_MODULE = 'golang.org/x/vuln/cmd/govulncheck';
export const GOVULNCHECK_VERSION = 'v1.9.0';
export const PUBLIC_GO_VULNDB = 'https://vuln.go.dev';

/** A database option (folder or URL) as the `-db` URL govulncheck wants. */
export function govulncheckDatabaseUrl(database: string | undefined): string {
  if (!database) return PUBLIC_GO_VULNDB;
  if (/^(https?|file):\/\//.test(database)) return database;
  return `file://${isAbsolute(database) ? database : resolve(database)}`;
}

/** The database's last-modified time, read from a local database's index (no network). */
export function localDatabaseModified(url: string): string | undefined {
  if (!url.startsWith('file://')) return undefined;
  try {
    const index = JSON.parse(readFileSync(`${fileURLToPath(url)}/index/db.json`, 'utf8')) as { modified?: string };
    return typeof index.modified === 'string' ? index.modified : undefined;
  } catch {
    return undefined;
  }
}

interface OsvEntry {
  id: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  database_specific?: { url?: string };
}

interface TraceFrame {
  module: string;
  version?: string;
  package?: string;
  function?: string;
  receiver?: string;
}

interface FindingMessage {
  osv: string;
  fixed_version?: string;
  trace: TraceFrame[];
}

export interface GovulncheckReport {
  config?: { scanner_version?: string; db?: string; db_last_modified?: string; scan_mode?: string };
  /** Findings at symbol level: the vulnerable code is called (source) or linked in (binary). */
  findings: Finding[];
  /** Advisories for packages or modules the program has but whose vulnerable symbols it does not reach. */
  unreached: { packageLevel: number; moduleLevel: number };
}

function symbolName(frame: TraceFrame): string {
  const owner = frame.receiver ? `${frame.receiver.replace(/^\*/, '')}.` : '';
  const pkg = frame.package ? frame.package.split('/').pop() : frame.module;
  return `${pkg}.${owner}${frame.function}`;
}

/** Turns govulncheck's JSON message stream into findings. Throws when it is not govulncheck output. */
export function parseGovulncheckJson(text: string): GovulncheckReport {
  const messages = parseJsonStream(text) as Record<string, unknown>[];
  const config = messages.find((m) => 'config' in m)?.config as GovulncheckReport['config'];
  if (!config) throw new Error('the output has no "config" message; it is not govulncheck JSON output');
  const osv = new Map<string, OsvEntry>();
  for (const m of messages) if ('osv' in m) osv.set((m.osv as OsvEntry).id, m.osv as OsvEntry);

  const symbolLevel = new Map<string, Finding>();
  const packageLevel = new Set<string>();
  const moduleLevel = new Set<string>();
  for (const m of messages) {
    if (!('finding' in m)) continue;
    const finding = m.finding as FindingMessage;
    const frame = finding.trace?.[0];
    if (!frame) continue;
    const key = `${finding.osv} ${frame.module}`;
    if (!frame.function) {
      (frame.package ? packageLevel : moduleLevel).add(key);
      continue;
    }
    const entry = osv.get(finding.osv);
    const existing = symbolLevel.get(key);
    const symbol = symbolName(frame);
    if (existing) {
      if (!existing.symbols?.includes(symbol)) existing.symbols?.push(symbol);
      continue;
    }
    symbolLevel.set(key, {
      id: finding.osv,
      aliases: entry?.aliases ?? [],
      package: frame.module,
      installed: frame.version ?? 'unknown',
      fixed: finding.fixed_version || undefined,
      // The Go vulnerability database rates nothing; the executor decides how unrated findings count.
      severity: 'UNKNOWN',
      title: (entry?.summary ?? entry?.details ?? finding.osv).split('\n')[0],
      url: entry?.database_specific?.url ?? `https://pkg.go.dev/vuln/${finding.osv}`,
      target: frame.package,
      symbols: [symbol],
    });
  }
  for (const key of symbolLevel.keys()) {
    packageLevel.delete(key);
    moduleLevel.delete(key);
  }
  for (const key of packageLevel) moduleLevel.delete(key);
  return { config, findings: [...symbolLevel.values()], unreached: { packageLevel: packageLevel.size, moduleLevel: moduleLevel.size } };
}

export const govulncheckAdapter: ScannerAdapter = {
  name: 'govulncheck',
  executable: 'govulncheck',
  needs: ['binary'],
  installHint: () => `go install ${GOVULNCHECK_MODULE}@${GOVULNCHECK_VERSION}   (then make sure $(go env GOPATH)/bin is on PATH)`,

  async version(executablePath, request): Promise<ScannerVersion> {
    const url = govulncheckDatabaseUrl(request.database);
    const result = await runProcess(executablePath, ['-db', url, '-version'], { env: request.env, timeoutMs: Math.min(request.timeoutMs, 30_000) });
    const scanner = /Scanner:\s*govulncheck@(\S+)/.exec(result.stdout)?.[1];
    if (result.code !== 0 || !scanner) {
      throw new Error(`"${executablePath} -version" did not print a govulncheck version (exit ${result.code ?? result.signal}):\n${stderrTail(result.stderr || result.stdout)}`);
    }
    // A local database is read directly (govulncheck prints the zero time for a folder without an index).
    const printed = /DB updated:\s*(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) \+0000 UTC/.exec(result.stdout);
    const fromOutput = printed && !printed[1].startsWith('0001-') ? `${printed[1]}T${printed[2]}Z` : undefined;
    return {
      scanner: 'govulncheck',
      version: scanner,
      database: url,
      databaseUpdatedAt: url.startsWith('file://') ? localDatabaseModified(url) : fromOutput,
    };
  },

  async scan(executablePath, request: ScanRequest): Promise<ScanResult> {
    const url = govulncheckDatabaseUrl(request.database);
    let args: string[];
    let cwd: string | undefined;
    if (request.source) {
      args = ['-db', url, '-format', 'json', '-C', request.source.moduleRoot, request.source.packages];
      cwd = request.source.moduleRoot;
    } else if (request.binaryPath) {
      args = ['-db', url, '-mode=binary', '-format', 'json', request.binaryPath];
    } else {
      throw new Error('govulncheck needs the Go binary taken out of the image, or the service source (mode "source").');
    }
    const result = await runProcess(executablePath, args, { env: request.env, cwd, timeoutMs: request.timeoutMs });
    if (result.timedOut) throw new Error(`govulncheck did not finish within ${Math.round(request.timeoutMs / 1000)} s (option "timeout").\n${stderrTail(result.stderr)}`);
    // With -format json govulncheck exits 0 whether or not it finds anything; anything else is a failure.
    if (result.code !== 0) {
      throw new Error(`govulncheck failed ${exitDescription(result)}:\n${stderrTail(result.stderr || result.stdout)}`);
    }
    let report: GovulncheckReport;
    try {
      report = parseGovulncheckJson(result.stdout);
    } catch (err) {
      throw new Error(`govulncheck printed output that cannot be read (${(err as Error).message}):\n${stderrTail(result.stderr || result.stdout.slice(0, 2000))}`);
    }
    const notes: string[] = [];
    const { packageLevel, moduleLevel } = report.unreached;
    if (packageLevel + moduleLevel > 0) {
      notes.push(
        `${packageLevel + moduleLevel} more advisor${packageLevel + moduleLevel === 1 ? 'y' : 'ies'} for packages or modules the program has, whose vulnerable functions it does not reach (not counted).`,
      );
    }
    return { findings: report.findings, raw: result.stdout, notes };
  },
};
