/**
 * Trivy adapter: parsing of real Trivy JSON reports, database resolution, and the failure paths.
 *
 * __fixtures__/trivy-*.json are real outputs of Trivy v0.74.0 with the offline database built from the
 * Go vulnerability database, captured by trivy.docker.spec.ts; regenerate them with
 * `bash tools/scanners/capture-fixtures.sh`. The last block captures a fresh report from the installed
 * Trivy (on a directory, no engine needed) and parses it the same way.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGoProgram } from '../../../../testing/scanners';
import { runProcess } from './run-process';
import { parseTrivyJson, resolveTrivyDatabase, trivyAdapter, trivyNotes } from './trivy';
import { ACCEPT_LANGUAGE_MAIN, fakeScanner, FIXTURES, offlineDatabase, scannerBinary } from './trivy-grype-kit.test';
import { SEVERITIES, type ScanRequest } from './types';

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe('parseTrivyJson on real Trivy reports', () => {
  it('maps the vulnerable image\'s report: CVE ids with GO/GHSA aliases, fixed versions, titles, UNKNOWN severity', () => {
    const text = fixture('trivy-vulnerable.json');
    const { report, findings } = parseTrivyJson(text);
    const raw = JSON.parse(text) as { Results: Array<{ Vulnerabilities?: unknown[] }> };
    expect(findings).toHaveLength(raw.Results.reduce((n, r) => n + (r.Vulnerabilities?.length ?? 0), 0));
    expect(report.Trivy?.Version).toBe('0.74.0');
    expect(findings.find((f) => f.aliases.includes('GO-2022-1059'))).toEqual({
      id: 'CVE-2022-32149',
      aliases: ['GHSA-69ch-w2m2-3vjp', 'GO-2022-1059'],
      package: 'golang.org/x/text',
      installed: 'v0.3.5',
      fixed: '0.3.8',
      severity: 'UNKNOWN',
      title: 'Denial of service via crafted Accept-Language header in golang.org/x/text/language',
      url: 'https://avd.aquasec.com/nvd/cve-2022-32149',
      target: 'langserver',
    });
    const stdlib = findings.filter((f) => f.package === 'stdlib');
    expect(stdlib.length).toBeGreaterThan(0);
    expect(stdlib.every((f) => f.installed === 'v1.26.8' && /^1\.26\.\d+/.test(f.fixed ?? ''))).toBe(true);
    for (const f of findings) {
      expect(SEVERITIES).toContain(f.severity);
      expect(f.title.length).toBeGreaterThan(0);
      expect(f.aliases).not.toContain(f.id);
    }
  });

  it('reads the clean image\'s report (a Go binary, no vulnerability) as no findings', () => {
    const { report, findings } = parseTrivyJson(fixture('trivy-clean.json'));
    expect(findings).toEqual([]);
    expect(report.Results?.[0]).toMatchObject({ Target: 'langserver', Type: 'gobinary' });
  });

  it('normalises severities and falls back for missing titles and fixes', () => {
    const report = JSON.parse(fixture('trivy-vulnerable.json')) as { Results: Array<{ Vulnerabilities: Array<Record<string, unknown>> }> };
    const v = report.Results[0].Vulnerabilities[0];
    report.Results[0].Vulnerabilities = [
      { ...v, Severity: 'HIGH' },
      { ...v, Severity: 'bogus', Title: undefined, Description: 'First line\nsecond', FixedVersion: '' },
      { ...v, Severity: undefined, Title: undefined, Description: undefined, PrimaryURL: undefined, References: undefined },
    ];
    const { findings } = parseTrivyJson(JSON.stringify(report));
    expect(findings.map((f) => f.severity)).toEqual(['HIGH', 'UNKNOWN', 'UNKNOWN']);
    expect(findings[1]).toMatchObject({ title: 'First line', fixed: undefined });
    expect(findings[2]).toMatchObject({ title: v.VulnerabilityID, url: undefined });
  });

  it.each([
    ['empty output', ''],
    ['a log line', 'FATAL something went wrong'],
    ['another tool\'s JSON', '{"matches": []}'],
    ['an old schema', '{"SchemaVersion": 1, "ArtifactName": "x"}'],
    ['Results that are not a list', '{"SchemaVersion": 2, "ArtifactName": "x", "Results": {}}'],
  ])('rejects %s', (_, text) => {
    expect(() => parseTrivyJson(text)).toThrow();
  });

  it('keeps Trivy\'s warnings as notes, without timestamps', () => {
    const stderr = [
      '2026-11-27T10:50:01Z\tINFO\t[vuln] Vulnerability scanning is enabled',
      '2026-11-27T10:50:01Z\tWARN\tUsing severities from other vendors for some vulnerabilities. Read https://trivy.dev/docs/v0.74/guide/scanner/vulnerability#severity-selection for details.',
    ].join('\n');
    expect(trivyNotes(stderr)).toEqual([
      'trivy warn: Using severities from other vendors for some vulnerabilities. Read https://trivy.dev/docs/v0.74/guide/scanner/vulnerability#severity-selection for details.',
    ]);
  });
});

describe('resolveTrivyDatabase', () => {
  const root = mkdtempSync(join(tmpdir(), 'org-go-trivy-db-'));
  const cacheDir = join(root, 'cache');
  mkdirSync(join(cacheDir, 'db'), { recursive: true });
  writeFileSync(join(cacheDir, 'db', 'trivy.db'), '');
  writeFileSync(join(cacheDir, 'db', 'metadata.json'), '{}');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('takes a Trivy cache dir or its db/ folder', () => {
    expect(resolveTrivyDatabase(cacheDir, true, {})).toEqual({ kind: 'local', dbDir: join(cacheDir, 'db') });
    expect(resolveTrivyDatabase(join(cacheDir, 'db'), true, {})).toEqual({ kind: 'local', dbDir: join(cacheDir, 'db') });
  });

  it('uses TRIVY_CACHE_DIR offline, and rejects when it holds no database', () => {
    expect(resolveTrivyDatabase(undefined, true, { TRIVY_CACHE_DIR: cacheDir })).toEqual({ kind: 'local', dbDir: join(cacheDir, 'db') });
    expect(() => resolveTrivyDatabase(undefined, true, { TRIVY_CACHE_DIR: join(root, 'empty') })).toThrow(/build-dbs\.sh trivy/);
    expect(resolveTrivyDatabase(undefined, false, { TRIVY_CACHE_DIR: join(root, 'empty') })).toEqual({ kind: 'default' });
  });

  it('tells a missing folder from a repository, and refuses a repository offline', () => {
    expect(() => resolveTrivyDatabase(join(root, 'nothing'), false, {})).toThrow(/is not a Trivy database/);
    expect(() => resolveTrivyDatabase('./relative/db', false, {})).toThrow(/is not a Trivy database/);
    expect(resolveTrivyDatabase('registry.example.com:5000/mirror/trivy-db:2', false, {})).toEqual({ kind: 'repository', repository: 'registry.example.com:5000/mirror/trivy-db:2' });
    expect(() => resolveTrivyDatabase('registry.example.com/trivy-db:2', true, {})).toThrow(/forbids downloading/);
  });
});

describe('trivy adapter with a stand-in executable (failure paths and arguments)', () => {
  const root = mkdtempSync(join(tmpdir(), 'org-go-trivy-fake-'));
  const cacheDir = join(root, 'cache');
  mkdirSync(join(cacheDir, 'db'), { recursive: true });
  writeFileSync(join(cacheDir, 'db', 'trivy.db'), '');
  writeFileSync(join(cacheDir, 'db', 'metadata.json'), '{}');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const request = (overrides: Partial<ScanRequest> = {}): ScanRequest => {
    const workDir = join(root, `work-${++n}`);
    mkdirSync(workDir);
    return { imageId: 'sha256:abc', imageReference: 'example/app:1', workDir, database: cacheDir, offline: true, ignoreUnfixed: false, timeoutMs: 20_000, env: { ...process.env }, ...overrides };
  };

  it('passes the offline flags, the linked database and the image reference, and parses what Trivy prints', async () => {
    const report = join(root, 'report.json');
    writeFileSync(report, fixture('trivy-vulnerable.json'));
    const argsFile = join(root, 'args.txt');
    const exe = fakeScanner(join(root, 'ok'), 'trivy', `printf '%s\\n' "$@" > '${argsFile}'\nprintf '2026-11-27T10:50:01Z\\tWARN\\tsomething to know\\n' >&2\ncat '${report}'`);
    const r = request({ ignoreUnfixed: true });
    const result = await trivyAdapter.scan(exe, r);
    const args = readFileSync(argsFile, 'utf8').trim().split('\n');
    expect(args[0]).toBe('image');
    expect(args).toEqual(expect.arrayContaining(['--format', 'json', '--scanners', 'vuln', '--image-src', 'docker', '--skip-db-update', '--offline-scan', '--ignore-unfixed', '--cache-backend', 'memory']));
    expect(args[args.indexOf('--cache-dir') + 1]).toBe(join(r.workDir, 'trivy-cache'));
    expect(existsSync(join(r.workDir, 'trivy-cache', 'db', 'trivy.db'))).toBe(true);
    expect(args[args.length - 1]).toBe('example/app:1');
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.notes).toEqual(['trivy warn: something to know']);
    expect(result.raw).toBe(fixture('trivy-vulnerable.json'));
  });

  it('rejects a crash with the stderr tail', async () => {
    const exe = fakeScanner(join(root, 'crash'), 'trivy', 'echo "FATAL\tFatal error\tinit error: boom" >&2\nexit 1');
    await expect(trivyAdapter.scan(exe, request())).rejects.toThrow(/trivy failed \(exit 1\):\nFATAL\tFatal error\tinit error: boom/);
  });

  it('rejects a zero exit with unreadable or empty output', async () => {
    const garbage = fakeScanner(join(root, 'garbage'), 'trivy', 'echo "not json"; echo "some warning" >&2');
    await expect(trivyAdapter.scan(garbage, request())).rejects.toThrow(/cannot be read[\s\S]*some warning/);
    const empty = fakeScanner(join(root, 'empty'), 'trivy', 'exit 0');
    await expect(trivyAdapter.scan(empty, request())).rejects.toThrow(/cannot be read/);
  });

  it('rejects a scan that outlives the timeout', async () => {
    const hang = fakeScanner(join(root, 'hang'), 'trivy', 'echo "analysing layers" >&2\nexec sleep 30');
    await expect(trivyAdapter.scan(hang, request({ timeoutMs: 500 }))).rejects.toThrow(/did not finish within 1 s[\s\S]*analysing layers/);
  });

  it('rejects a death by signal', async () => {
    const killed = fakeScanner(join(root, 'killed'), 'trivy', 'kill -9 $$');
    await expect(trivyAdapter.scan(killed, request())).rejects.toThrow(/trivy failed \(exit SIGKILL\)/);
  });

  it('reads the version and the database date from `trivy version --format json`', async () => {
    const versionJson = join(root, 'version.json');
    writeFileSync(versionJson, fixture('trivy-version.json'));
    const exe = fakeScanner(join(root, 'version'), 'trivy', `cat '${versionJson}'`);
    await expect(trivyAdapter.version(exe, { database: cacheDir, env: process.env, timeoutMs: 5000 })).resolves.toEqual({
      scanner: 'trivy',
      version: 'v0.74.0',
      databaseUpdatedAt: '2026-11-05T23:49:57Z',
      database: `${join(cacheDir, 'db')} (schema 2)`,
    });
    const broken = fakeScanner(join(root, 'version-broken'), 'trivy', 'echo "unknown command" >&2; exit 1');
    await expect(trivyAdapter.version(broken, { database: cacheDir, env: process.env, timeoutMs: 5000 })).rejects.toThrow(/did not print a Trivy version[\s\S]*unknown command/);
  });
});

const trivy = scannerBinary('trivy');
(trivy ? describe : describe.skip)('the installed Trivy, on a directory (no engine)', () => {
  it('prints a report parseTrivyJson reads, with the x/text advisory of the binary it finds', async () => {
    const work = mkdtempSync(join(tmpdir(), 'org-go-trivy-rootfs-'));
    try {
      const database = offlineDatabase('trivy');
      const binary = buildGoProgram(join(work, 'src'), ACCEPT_LANGUAGE_MAIN, ['golang.org/x/text@v0.3.5']);
      const rootfs = join(work, 'rootfs');
      mkdirSync(rootfs);
      writeFileSync(join(rootfs, 'langserver'), readFileSync(binary), { mode: 0o755 });
      const result = await runProcess(trivy as string, ['rootfs', '--format', 'json', '--scanners', 'vuln', '--skip-db-update', '--offline-scan', '--skip-version-check', '--disable-telemetry', '--cache-backend', 'memory', '--cache-dir', database, rootfs], { timeoutMs: 120_000 });
      expect(result.code).toBe(0);
      const { findings } = parseTrivyJson(result.stdout);
      expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'CVE-2022-32149', package: 'golang.org/x/text', installed: 'v0.3.5', fixed: '0.3.8', target: 'langserver' })]));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 600_000);
});
