import { logger, type ExecutorContext } from '@nx/devkit';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DockerClient } from '../../docker';
import { ensureImage } from '../../docker/ensure-image';
import { projectLocation } from '../../utils/executor-context';
import { writeJsonFile } from '../../utils/json-file';
import { makeTempDir, type TempDir } from '../temp-dir';
import type { GoProjectMetadata } from '../../plugins/project-node';
import { evaluateGate } from './lib/gate';
import { readIgnoreFile } from './lib/ignore-file';
import { defaultDatabase, normalizeScanOptions, type NormalizedScanOptions } from './lib/normalize-options';
import { prepareInputs, sourcePackages } from './lib/prepare-inputs';
import { buildReport, renderSarif, renderTable, type ScanReport } from './lib/report';
import { resolveScanner } from './lib/scanners';
import type { Finding, ScannerAdapter, ScannerVersion } from './lib/scanners/types';
import type { DockerScanExecutorSchema } from './schema';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Checks the database before the scan: offline needs a local one; an old one gets a warning. */
function checkDatabase(options: NormalizedScanOptions, adapter: ScannerAdapter, database: string | undefined, version: ScannerVersion, now: Date): void {
  if (options.offline && adapter.name === 'govulncheck') {
    if (!database || /^https?:\/\//.test(database)) {
      throw new Error(
        'Offline mode needs a local Go vulnerability database: set "database" (or ORG_GO_VULNDB) to a folder laid out like vuln.go.dev (index/db.json, index/modules.json, ID/…). See docs/executors/docker-scan.md, "Offline database".',
      );
    }
    if (!version.databaseUpdatedAt) {
      throw new Error(`${database} is not a Go vulnerability database (index/db.json is missing or unreadable). Build or copy one there, or point "database" elsewhere.`);
    }
  }
  if (version.databaseUpdatedAt && options.maxDatabaseAgeDays > 0) {
    const age = (now.getTime() - Date.parse(version.databaseUpdatedAt)) / DAY_MS;
    if (age > options.maxDatabaseAgeDays) {
      logger.warn(
        `The ${adapter.name} database was last updated ${version.databaseUpdatedAt.slice(0, 10)}, ${Math.floor(age)} days ago (more than maxDatabaseAge ${options.maxDatabaseAgeDays}): advisories published since are not checked. Update it.`,
      );
    }
  }
}

/** Findings the scanner could not rate count as `unratedSeverity` (default: CRITICAL for govulncheck). */
function rateUnrated(findings: Finding[], adapter: ScannerAdapter, unrated: NormalizedScanOptions['unratedSeverity']): Finding[] {
  const as = unrated ?? (adapter.name === 'govulncheck' ? 'CRITICAL' : 'UNKNOWN');
  return findings.map((finding) => (finding.severity === 'UNKNOWN' ? { ...finding, severity: as } : finding));
}

export async function dockerScanExecutor(
  options: DockerScanExecutorSchema,
  context: ExecutorContext,
  client: DockerClient = DockerClient.fromEnvironment(options.engine),
  env: NodeJS.ProcessEnv = process.env,
  now: () => Date = () => new Date(),
): Promise<{ success: boolean }> {
  let work: TempDir | undefined;
  /** The reports of this run: removed again when it fails after writing some, so no verdict is half-written. */
  let outputs: string[] = [];
  try {
    // Everything that can be checked without the engine or the scanner is checked first.
    const location = projectLocation(context);
    const normalized = normalizeScanOptions(options, location);
    const ignore = readIgnoreFile(normalized.ignoreFile, normalized.ignoreFileExplicit);
    const { adapter, executablePath } = resolveScanner(normalized.scanner, normalized.scannerPath, env);
    const database = normalized.database ?? defaultDatabase(adapter.name, env);
    const version = await adapter.version(executablePath, { database, env, timeoutMs: normalized.timeoutMs });
    checkDatabase(normalized, adapter, database, version, now());

    const sourceMode = adapter.name === 'govulncheck' && normalized.govulncheckMode === 'source';
    const go = (context.projectsConfigurations?.projects[location.projectName]?.metadata as { go?: GoProjectMetadata } | undefined)?.go;

    await client.ping();
    const ensured = await ensureImage(client, context, location, { env });
    const reference = ensured.metadata.tags[0] ?? ensured.metadata.id;

    // A failed or interrupted scan must not leave an earlier verdict looking current.
    outputs = [normalized.recordFile, normalized.outputFile, join(normalized.recordFile, '..', `scan.${adapter.name}.json`)];
    for (const stale of outputs) rmSync(stale, { force: true });

    work = makeTempDir(`org-go-scan-${location.projectName.replace(/[^A-Za-z0-9_.-]/g, '_')}-`);
    const workDir = work.path;
    const inputs = await prepareInputs(client, ensured.image, adapter.needs, workDir, {
      location,
      binaryPath: normalized.binaryPath,
      source: sourceMode ? sourcePackages(location, go?.moduleRoot ?? location.projectRoot) : undefined,
    });

    const started = Date.now();
    logger.info(`${location.projectName}: scanning ${inputs.scanned} with ${adapter.name} ${version.version}…`);
    const result = await adapter.scan(executablePath, {
      imageId: ensured.image.Id,
      imageReference: reference,
      archivePath: inputs.archivePath,
      binaryPath: inputs.binaryPath,
      source: inputs.source,
      workDir,
      database,
      offline: normalized.offline,
      ignoreUnfixed: normalized.ignoreUnfixed,
      timeoutMs: normalized.timeoutMs,
      env,
    });
    const seconds = (Date.now() - started) / 1000;

    const gate = evaluateGate(rateUnrated(result.findings, adapter, normalized.unratedSeverity), {
      failOn: normalized.failOn,
      ignore: ignore.entries,
      ignoreUnfixed: normalized.ignoreUnfixed,
      now: now(),
    });
    const notes = [...result.notes];
    for (const entry of gate.expired) notes.push(`ignore entry ${entry.id} (${relative(location.workspaceRoot, normalized.ignoreFile)}:${entry.line}) expired on ${entry.expires}; it no longer applies.`);
    for (const entry of gate.unused) notes.push(`ignore entry ${entry.id} (${relative(location.workspaceRoot, normalized.ignoreFile)}:${entry.line}) matched nothing in this scan; remove it when it is no longer needed.`);

    const report: ScanReport = buildReport(
      {
        projectName: location.projectName,
        image: { id: ensured.image.Id, reference, inputsHash: ensured.metadata.inputsHash },
        scanner: version,
        scanned: inputs.scanned,
        failOn: normalized.failOn ?? 'NONE',
        ignoreUnfixed: normalized.ignoreUnfixed,
        scannedAt: now().toISOString(),
        seconds: Math.round(seconds * 10) / 10,
        notes,
      },
      gate,
    );
    const reportPath = relative(location.workspaceRoot, normalized.outputFile);
    try {
      mkdirSync(join(normalized.recordFile, '..'), { recursive: true });
      writeJsonFile(normalized.recordFile, report);
      mkdirSync(join(normalized.outputFile, '..'), { recursive: true });
      if (normalized.format === 'sarif') {
        const projectRoot = location.projectRoot === '.' ? '' : `${location.projectRoot}/`;
        writeJsonFile(normalized.outputFile, renderSarif(report, { goMod: `${go?.moduleRoot && go.moduleRoot !== '.' ? `${go.moduleRoot}/` : ''}go.mod`, dockerfile: `${projectRoot}Dockerfile` }));
      } else if (normalized.format === 'table') {
        writeFileSync(normalized.outputFile, `${renderTable(report, reportPath)}\n`);
      }
      // The scanner's own output beside the record, for whoever needs more than the summary.
      if (result.raw) writeFileSync(join(normalized.recordFile, '..', `scan.${adapter.name}.json`), result.raw);
    } catch (err) {
      throw new Error(
        `The scan finished, but its reports cannot be written in ${relative(location.workspaceRoot, join(normalized.recordFile, '..')) || '.'}: ${(err as Error).message}. None was kept; free some space (or fix the folder's permissions) and scan again.`,
      );
    }
    outputs = [];
    const table = renderTable(report, reportPath);
    if (report.verdict === 'fail') logger.error(table);
    else logger.info(table);
    return { success: report.verdict === 'pass' };
  } catch (err) {
    for (const output of outputs) rmSync(output, { force: true });
    logger.error(`docker-scan failed for ${context.projectName ?? 'the project'}: ${(err as Error).message}`);
    return { success: false };
  } finally {
    work?.remove();
  }
}

export default async function runExecutor(options: DockerScanExecutorSchema, context: ExecutorContext) {
  return dockerScanExecutor(options, context);
}
