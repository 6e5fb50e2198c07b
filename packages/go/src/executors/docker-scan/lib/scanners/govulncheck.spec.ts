/**
 * The govulncheck adapter against the real govulncheck and the offline Go vulnerability database built
 * from the golang.org/x/vulndb module: the outputs parsed here are produced by the spec itself.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGoProgram, describeWithScanner, LANGUAGE_PARSE_MAIN, offlineGoVulnDb, scannerForSpecs } from '../../../../testing/scanners';
import { govulncheckAdapter, govulncheckDatabaseUrl, parseGovulncheckJson } from './govulncheck';
import { runProcess } from './run-process';
import type { ScanRequest } from './types';

describeWithScanner('govulncheck')('govulncheck adapter (real govulncheck, offline database)', () => {
  const executable = scannerForSpecs('govulncheck') as string;
  let work: string;
  let database: string;
  let vulnerable: string;
  let fixed: string;
  const request = (over: Partial<ScanRequest>): ScanRequest => ({
    imageId: 'sha256:none',
    imageReference: 'none',
    workDir: work,
    database,
    offline: true,
    ignoreUnfixed: false,
    timeoutMs: 120_000,
    env: process.env,
    ...over,
  });

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'org-go-govulncheck-'));
    database = offlineGoVulnDb();
    vulnerable = buildGoProgram(join(work, 'vulnerable'), LANGUAGE_PARSE_MAIN, ['golang.org/x/text@v0.3.5']);
    fixed = buildGoProgram(join(work, 'fixed'), LANGUAGE_PARSE_MAIN, ['golang.org/x/text@v0.44.0']);
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reports its version and the database date from the local index', async () => {
    const version = await govulncheckAdapter.version(executable, { database, env: process.env, timeoutMs: 30_000 });
    expect(version).toEqual({ scanner: 'govulncheck', version: 'v1.9.0', database: `file://${database}`, databaseUpdatedAt: '2026-11-05T23:49:57Z' });
  });

  it('finds GO-2021-0113 in a binary that links language.Parse of golang.org/x/text v0.3.5', async () => {
    const result = await govulncheckAdapter.scan(executable, request({ binaryPath: vulnerable }));
    const advisory = result.findings.find((f) => f.id === 'GO-2021-0113');
    expect(advisory).toEqual({
      id: 'GO-2021-0113',
      aliases: expect.arrayContaining(['CVE-2021-38561']),
      package: 'golang.org/x/text',
      installed: 'v0.3.5',
      fixed: 'v0.3.7',
      severity: 'UNKNOWN',
      title: expect.stringMatching(/out-of-bounds read/i),
      url: 'https://pkg.go.dev/vuln/GO-2021-0113',
      target: 'golang.org/x/text/language',
      symbols: ['language.Parse'],
    });
    // Advisories for code the binary does not link are noted, not counted.
    expect(result.notes.join('\n')).toMatch(/more advisor(y|ies) for packages or modules the program has/);
    expect(() => parseGovulncheckJson(result.raw)).not.toThrow();
  });

  it('finds nothing in golang.org/x/text once it is upgraded past the fixes', async () => {
    const result = await govulncheckAdapter.scan(executable, request({ binaryPath: fixed }));
    expect(result.findings.filter((f) => f.package === 'golang.org/x/text')).toEqual([]);
  });

  it('rejects with govulncheck’s own message when the file is not a Go binary — never "no findings"', async () => {
    const notBinary = join(work, 'not-a-binary');
    writeFileSync(notBinary, 'plain text\n');
    await expect(govulncheckAdapter.scan(executable, request({ binaryPath: notBinary }))).rejects.toThrow(/govulncheck failed \(exit 1\):[\s\S]*unrecognized binary format/);
  });

  it('kills a scan that runs past the timeout and says so — never a verdict', async () => {
    await expect(govulncheckAdapter.scan(executable, request({ binaryPath: vulnerable, timeoutMs: 1 }))).rejects.toThrow(/govulncheck did not finish within 0 s \(option "timeout"\)/);
  });

  it('rejects when the database is missing', async () => {
    await expect(govulncheckAdapter.scan(executable, request({ binaryPath: vulnerable, database: join(work, 'no-db') }))).rejects.toThrow(/govulncheck failed[\s\S]*no-db/);
  });

  it('rejects output it cannot read', async () => {
    // What a truncated run leaves: the first half of the real JSON stream.
    const full = await runProcess(executable, ['-db', govulncheckDatabaseUrl(database), '-mode=binary', '-format', 'json', vulnerable]);
    expect(() => parseGovulncheckJson(full.stdout.slice(0, Math.floor(full.stdout.length / 2)))).toThrow(/ends in the middle|unbalanced/);
    expect(() => parseGovulncheckJson('[]')).toThrow(/not govulncheck JSON output/);
  });
});
