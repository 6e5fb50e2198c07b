/**
 * Grype adapter: parsing of real Grype JSON documents, database resolution, and the failure paths.
 *
 * __fixtures__/grype-*.json are real outputs of Grype v0.121.2 with the offline database built from the
 * Go vulnerability database by Grype's own DB-build packages, captured by grype.docker.spec.ts;
 * regenerate them with `bash tools/scanners/capture-fixtures.sh`. The last block captures a fresh
 * document from the installed Grype (on a directory, no engine needed) and parses it the same way.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGoProgram } from '../../../../testing/scanners';
import { grypeAdapter, grypeNotes, parseGrypeJson, resolveGrypeDatabase, stripAnsi } from './grype';
import { runProcess } from './run-process';
import { ACCEPT_LANGUAGE_MAIN, fakeScanner, FIXTURES, offlineDatabase, scannerBinary } from './trivy-grype-kit.test';
import { SEVERITIES, type ScanRequest } from './types';

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe('parseGrypeJson on real Grype documents', () => {
  it('maps the vulnerable image\'s matches: GO ids with CVE/GHSA aliases, fixes, linked symbols, UNKNOWN severity', () => {
    const text = fixture('grype-vulnerable.json');
    const { report, findings } = parseGrypeJson(text);
    expect(findings).toHaveLength(report.matches.length);
    expect(report.descriptor?.version).toBe('0.121.2');
    expect(findings.find((f) => f.id === 'GO-2022-1059')).toEqual({
      id: 'GO-2022-1059',
      aliases: ['CVE-2022-32149', 'GHSA-69ch-w2m2-3vjp'],
      package: 'golang.org/x/text',
      installed: 'v0.3.5',
      fixed: '0.3.8',
      severity: 'UNKNOWN',
      title: 'An attacker may cause a denial of service by crafting an Accept-Language header which ParseAcceptLanguage will take significant time to parse.',
      url: 'https://go.dev/issue/56152',
      target: '/langserver',
      symbols: ['golang.org/x/text/language.ParseAcceptLanguage'],
    });
    const stdlib = findings.filter((f) => f.package === 'stdlib');
    expect(stdlib.length).toBeGreaterThan(0);
    expect(stdlib.every((f) => f.installed === 'go1.26.8' && /^GO-2026-/.test(f.id) && /^1\.26\.\d+/.test(f.fixed ?? ''))).toBe(true);
    for (const f of findings) {
      expect(SEVERITIES).toContain(f.severity);
      expect(f.title.length).toBeGreaterThan(0);
      expect(f.title.length).toBeLessThanOrEqual(160);
      expect(f.aliases).not.toContain(f.id);
    }
  });

  it('reads the clean image\'s document as no findings', () => {
    expect(parseGrypeJson(fixture('grype-clean.json')).findings).toEqual([]);
  });

  it('normalises Grype\'s severity words and leaves unfixed advisories without a fixed version', () => {
    const report = JSON.parse(fixture('grype-vulnerable.json')) as { matches: Array<{ vulnerability: Record<string, unknown> }> };
    const m = report.matches[0];
    report.matches = [
      { ...m, vulnerability: { ...m.vulnerability, severity: 'Critical' } },
      { ...m, vulnerability: { ...m.vulnerability, severity: 'Negligible', fix: { versions: [], state: 'not-fixed' } } },
      { ...m, vulnerability: { ...m.vulnerability, severity: 'Medium', fix: { versions: ['1.2.3'], state: 'wont-fix' }, description: '', dataSource: '' } },
    ];
    const { findings } = parseGrypeJson(JSON.stringify(report));
    expect(findings.map((f) => f.severity)).toEqual(['CRITICAL', 'LOW', 'MEDIUM']);
    expect(findings.map((f) => f.fixed)).toEqual([expect.any(String), undefined, undefined]);
    expect(findings[2].title).toBe(findings[2].id);
  });

  it.each([
    ['empty output', ''],
    ['a log line', '[0000] ERROR failed to catalog'],
    ['Trivy\'s JSON', '{"SchemaVersion": 2, "ArtifactName": "x", "Results": []}'],
    ['matches without a grype descriptor', '{"matches": []}'],
    ['a match without a vulnerability', '{"matches": [{}], "descriptor": {"name": "grype"}}'],
  ])('rejects %s', (_, text) => {
    expect(() => parseGrypeJson(text)).toThrow();
  });

  it('keeps Grype\'s warnings and errors as notes, without colour codes', () => {
    const stderr = '[0000]  WARN some warning\n\u001b[31m[0001] ERROR\u001b[0m boom\n[0002]  INFO noise';
    expect(stripAnsi('\u001b[31mred\u001b[0m')).toBe('red');
    expect(grypeNotes(stderr)).toEqual(['grype warn: some warning', 'grype error: boom']);
  });
});

describe('resolveGrypeDatabase', () => {
  const root = mkdtempSync(join(tmpdir(), 'org-go-grype-db-'));
  const cacheDir = join(root, 'cache');
  mkdirSync(join(cacheDir, '6'), { recursive: true });
  writeFileSync(join(cacheDir, '6', 'vulnerability.db'), '');
  const archive = join(root, 'vulnerability-db_v6.1.10_x.tar.gz');
  writeFileSync(archive, '');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('takes a Grype DB cache dir, its schema folder, or an archive', () => {
    expect(resolveGrypeDatabase(cacheDir, true, {})).toEqual({ kind: 'local', schemaDir: join(cacheDir, '6') });
    expect(resolveGrypeDatabase(join(cacheDir, '6'), true, {})).toEqual({ kind: 'local', schemaDir: join(cacheDir, '6') });
    expect(resolveGrypeDatabase(archive, true, {})).toEqual({ kind: 'archive', archive });
  });

  it('uses GRYPE_DB_CACHE_DIR offline, and rejects when it holds no database', () => {
    expect(resolveGrypeDatabase(undefined, true, { GRYPE_DB_CACHE_DIR: cacheDir })).toEqual({ kind: 'local', schemaDir: join(cacheDir, '6') });
    expect(() => resolveGrypeDatabase(undefined, true, { GRYPE_DB_CACHE_DIR: join(root, 'none') })).toThrow(/build-dbs\.sh grype/);
    expect(resolveGrypeDatabase(undefined, false, { GRYPE_DB_CACHE_DIR: join(root, 'none') })).toEqual({ kind: 'default' });
  });

  it('rejects a URL offline, other files, and folders without a database', () => {
    expect(() => resolveGrypeDatabase('https://example.com/db.tar.zst', true, {})).toThrow(/forbids downloading/);
    expect(resolveGrypeDatabase('https://example.com/db.tar.zst', false, {})).toEqual({ kind: 'archive', archive: 'https://example.com/db.tar.zst' });
    writeFileSync(join(root, 'notes.txt'), '');
    expect(() => resolveGrypeDatabase(join(root, 'notes.txt'), false, {})).toThrow(/not a Grype DB archive/);
    expect(() => resolveGrypeDatabase(join(root, 'nothing'), false, {})).toThrow(/is not a Grype database/);
  });
});

describe('grype adapter with a stand-in executable (failure paths and arguments)', () => {
  const root = mkdtempSync(join(tmpdir(), 'org-go-grype-fake-'));
  const cacheDir = join(root, 'cache');
  mkdirSync(join(cacheDir, '6'), { recursive: true });
  writeFileSync(join(cacheDir, '6', 'vulnerability.db'), '');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const request = (overrides: Partial<ScanRequest> = {}): ScanRequest => {
    const workDir = join(root, `work-${++n}`);
    mkdirSync(workDir);
    return {
      imageId: 'sha256:abc',
      imageReference: 'example/app:1',
      archivePath: join(workDir, 'image.tar'),
      workDir,
      database: cacheDir,
      offline: true,
      ignoreUnfixed: false,
      timeoutMs: 20_000,
      env: { ...process.env },
      ...overrides,
    };
  };
  const withReport = (name: string, exitCode = 0, extra = '') => {
    const report = join(root, `${name}.json`);
    writeFileSync(report, fixture('grype-vulnerable.json'));
    const envFile = join(root, `${name}.env`);
    const argsFile = join(root, `${name}.args`);
    const exe = fakeScanner(join(root, name), 'grype', `printf '%s\\n' "$@" > '${argsFile}'\nenv > '${envFile}'\n${extra}\ncat '${report}'\nexit ${exitCode}`);
    return { exe, args: () => readFileSync(argsFile, 'utf8').trim().split('\n'), env: () => readFileSync(envFile, 'utf8') };
  };

  it('scans the saved image offline with the linked database, and parses what Grype prints', async () => {
    const fake = withReport('ok', 0, `printf '[0000]  WARN something to know\\n' >&2`);
    const r = request({ ignoreUnfixed: true });
    const result = await grypeAdapter.scan(fake.exe, r);
    expect(fake.args()).toEqual([`docker-archive:${r.archivePath}`, '-o', 'json', '--only-fixed']);
    const env = fake.env();
    expect(env).toContain(`GRYPE_DB_CACHE_DIR=${join(r.workDir, 'grype-db')}`);
    expect(env).toContain('GRYPE_DB_AUTO_UPDATE=false');
    expect(env).toContain('GRYPE_CHECK_FOR_APP_UPDATE=false');
    expect(lstatSync(join(r.workDir, 'grype-db', '6')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(r.workDir, 'grype-db', '6', 'vulnerability.db'))).toBe(true);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.notes).toEqual(['grype warn: something to know']);
  });

  it('accepts exit 2 (a configured fail-on severity was met) with matches', async () => {
    const fake = withReport('failon', 2);
    await expect(grypeAdapter.scan(fake.exe, request())).resolves.toMatchObject({ findings: expect.arrayContaining([expect.objectContaining({ id: 'GO-2022-1059' })]) });
  });

  it('rejects exit 2 without matches, a crash, and unreadable output, with the stderr tail', async () => {
    const empty = fakeScanner(join(root, 'two'), 'grype', `echo '{"matches": [], "descriptor": {"name": "grype"}}'\necho "odd" >&2\nexit 2`);
    await expect(grypeAdapter.scan(empty, request())).rejects.toThrow(/exit 2 without any match[\s\S]*odd/);
    const crash = fakeScanner(join(root, 'crash'), 'grype', 'printf "\\033[31m[0000] ERROR failed to catalog: boom\\033[0m\\n" >&2\nexit 1');
    await expect(grypeAdapter.scan(crash, request())).rejects.toThrow(/grype failed \(exit 1\):\n\[0000\] ERROR failed to catalog: boom$/);
    const garbage = fakeScanner(join(root, 'garbage'), 'grype', 'echo "No vulnerabilities found"');
    await expect(grypeAdapter.scan(garbage, request())).rejects.toThrow(/cannot be read/);
  });

  it('rejects a scan that outlives the timeout, and a missing archive', async () => {
    const hang = fakeScanner(join(root, 'hang'), 'grype', 'echo "cataloging" >&2\nexec sleep 30');
    await expect(grypeAdapter.scan(hang, request({ timeoutMs: 500 }))).rejects.toThrow(/did not finish within 1 s[\s\S]*cataloging/);
    await expect(grypeAdapter.scan(hang, request({ archivePath: undefined }))).rejects.toThrow(/archivePath/);
  });

  it('imports an archive database into the work dir first, and fails with the import\'s error', async () => {
    const archive = join(root, 'vulnerability-db_v6.1.10_x.tar.gz');
    writeFileSync(archive, '');
    const log = join(root, 'import.log');
    const exe = fakeScanner(join(root, 'import'), 'grype', `echo "$GRYPE_DB_CACHE_DIR $*" >> '${log}'\nif [ "$1" = db ]; then echo "unable to import: bad archive" >&2; exit 1; fi`);
    const r = request({ database: archive });
    await expect(grypeAdapter.scan(exe, r)).rejects.toThrow(/grype db import .* failed \(exit 1\):\nunable to import: bad archive/);
    expect(readFileSync(log, 'utf8').trim()).toBe(`${join(r.workDir, 'grype-db')} db import ${archive}`);
  });

  it('reads the version and the database build time', async () => {
    const versionJson = join(root, 'version.json');
    const statusJson = join(root, 'status.json');
    writeFileSync(versionJson, fixture('grype-version.json'));
    writeFileSync(statusJson, fixture('grype-db-status.json'));
    const exe = fakeScanner(join(root, 'version'), 'grype', `if [ "$1" = version ]; then cat '${versionJson}'; else cat '${statusJson}'; fi`);
    const status = JSON.parse(fixture('grype-db-status.json')) as { built: string; schemaVersion: string };
    await expect(grypeAdapter.version(exe, { database: cacheDir, env: process.env, timeoutMs: 5000 })).resolves.toEqual({
      scanner: 'grype',
      version: 'v0.121.2',
      databaseUpdatedAt: status.built,
      database: `${join(cacheDir, '6')} (schema ${status.schemaVersion})`,
    });
    const broken = fakeScanner(join(root, 'version-broken'), 'grype', 'echo "boom" >&2; exit 1');
    await expect(grypeAdapter.version(broken, { database: cacheDir, env: process.env, timeoutMs: 5000 })).rejects.toThrow(/did not print a Grype version[\s\S]*boom/);
  });
});

const grype = scannerBinary('grype');
(grype ? describe : describe.skip)('the installed Grype, on a directory (no engine)', () => {
  it('prints a document parseGrypeJson reads, with the x/text advisory the binary links', async () => {
    const work = mkdtempSync(join(tmpdir(), 'org-go-grype-dir-'));
    try {
      const database = offlineDatabase('grype');
      const binary = buildGoProgram(join(work, 'src'), ACCEPT_LANGUAGE_MAIN, ['golang.org/x/text@v0.3.5']);
      const dir = join(work, 'rootfs');
      mkdirSync(dir);
      writeFileSync(join(dir, 'langserver'), readFileSync(binary), { mode: 0o755 });
      const env = { ...process.env, GRYPE_DB_CACHE_DIR: database, GRYPE_DB_AUTO_UPDATE: 'false', GRYPE_DB_VALIDATE_AGE: 'false', GRYPE_CHECK_FOR_APP_UPDATE: 'false' };
      const result = await runProcess(grype as string, [`dir:${dir}`, '-o', 'json'], { env, timeoutMs: 120_000 });
      expect(result.code).toBe(0);
      const { findings } = parseGrypeJson(result.stdout);
      expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'GO-2022-1059', package: 'golang.org/x/text', installed: 'v0.3.5', fixed: '0.3.8' })]));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 600_000);
});
