/**
 * The Grype adapter against the real Grype (built from the Go module proxy by tools/scanners/install.sh)
 * and a real engine, with the offline database tools/scanners/build-dbs.sh builds from the Go
 * vulnerability database with Grype's own DB-build packages: the image is saved (`docker save`, what the
 * executor prepares for `needs: ['archive']`) and scanned as `docker-archive:`. An HTTP service linking
 * golang.org/x/text v0.3.5, built with Go 1.26.8, must show the x/text and net/http advisories whose
 * vulnerable symbols it links; the same service on Go 1.27.3 with x/text v0.44.0, none.
 *
 * With ORG_GO_CAPTURE_FIXTURES=1 it also stores Grype's outputs under __fixtures__/ for grype.spec.ts
 * (tools/scanners/capture-fixtures.sh).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DockerClient } from '../../../../docker';
import { describeDocker } from '../../../../testing/docker';
import { grypeAdapter } from './grype';
import { runProcess } from './run-process';
import { buildScanImage, captureFixture, offlineDatabase, scanRequest, scannerBinary, type ScanImage } from './trivy-grype-kit.test';
import type { ScanRequest } from './types';

const grype = scannerBinary('grype');
const suite = grype ? describeDocker : describe.skip;

suite('grype adapter: real Grype, real engine, offline database from the Go vulnerability database', () => {
  const client = DockerClient.fromEnvironment();
  const tag = `org-go-grype-spec-${process.pid}`;
  let database: string;
  let vulnerable: ScanImage & { archive: string };
  let clean: ScanImage & { archive: string };
  const workDirs: string[] = [];
  const request = (image: ScanImage & { archive: string }, overrides: Partial<ScanRequest> = {}) => {
    const r = scanRequest(image, database, { archivePath: image.archive, ...overrides });
    workDirs.push(r.workDir);
    return r;
  };
  const saved = async (image: ScanImage): Promise<ScanImage & { archive: string }> => {
    const dir = scanRequest(image, undefined).workDir;
    workDirs.push(dir);
    const archive = join(dir, 'image.tar');
    await client.saveImage(image.imageId, archive);
    return { ...image, archive };
  };
  const env = () => ({ ...process.env, GRYPE_DB_CACHE_DIR: database, GRYPE_DB_AUTO_UPDATE: 'false', GRYPE_DB_VALIDATE_AGE: 'false', GRYPE_CHECK_FOR_APP_UPDATE: 'false' });

  beforeAll(async () => {
    database = offlineDatabase('grype');
    vulnerable = await saved(await buildScanImage(client, `${tag}:vulnerable`, 'golang:1.26-bookworm', 'v0.3.5'));
    clean = await saved(await buildScanImage(client, `${tag}:clean`, 'golang:1.27-bookworm', 'v0.44.0'));
  }, 45 * 60_000);

  afterAll(async () => {
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
    for (const image of [vulnerable, clean]) if (image) await client.removeImage(image.reference, true).catch(() => undefined);
  });

  it('reports its version and the database build time', async () => {
    const version = await grypeAdapter.version(grype as string, { database, env: process.env, timeoutMs: 60_000 });
    expect(version).toMatchObject({ scanner: 'grype', version: 'v0.121.2' });
    expect(version.databaseUpdatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(version.database).toContain('(schema v6.');
    captureFixture('grype-version.json', (await runProcess(grype as string, ['version', '-o', 'json'])).stdout);
    captureFixture('grype-db-status.json', (await runProcess(grype as string, ['db', 'status', '-o', 'json'], { env: env() })).stdout);
    const providers = await runProcess(grype as string, ['db', 'providers', '-o', 'json'], { env: env() });
    expect(JSON.parse(providers.stdout)).toEqual([expect.objectContaining({ name: 'govulndb', dateCaptured: '2026-11-05T23:49:57Z' })]);
  });

  it('finds the linked x/text and net/http advisories in the saved vulnerable image', async () => {
    const started = Date.now();
    const result = await grypeAdapter.scan(grype as string, request(vulnerable));
    const seconds = (Date.now() - started) / 1000;
    captureFixture('grype-vulnerable.json', result.raw);
    // eslint-disable-next-line no-console
    console.log(`grype scan of ${vulnerable.reference} (docker-archive): ${result.findings.length} findings in ${seconds.toFixed(1)} s`);

    expect(result.findings.find((f) => f.id === 'GO-2022-1059')).toEqual({
      id: 'GO-2022-1059',
      aliases: ['CVE-2022-32149', 'GHSA-69ch-w2m2-3vjp'],
      package: 'golang.org/x/text',
      installed: 'v0.3.5',
      fixed: '0.3.8',
      severity: 'UNKNOWN', // the Go vulnerability database rates nothing, and no NVD data is here
      title: expect.stringContaining('Accept-Language'),
      url: expect.stringMatching(/^https:\/\//),
      target: '/langserver',
      symbols: ['golang.org/x/text/language.ParseAcceptLanguage'],
    });
    expect(result.findings.find((f) => f.id === 'GO-2021-0113')).toMatchObject({ package: 'golang.org/x/text', fixed: '0.3.7' });

    const stdlib = result.findings.filter((f) => f.package === 'stdlib');
    expect(stdlib.length).toBeGreaterThan(0);
    for (const finding of stdlib) {
      expect(finding.installed).toBe('go1.26.8');
      expect(finding.id).toMatch(/^GO-2026-/);
      expect(finding.fixed).toMatch(/^1\.26\.\d+/);
      expect(finding.symbols?.length).toBeGreaterThan(0);
    }
  });

  it('finds nothing in the clean image, though it catalogued the binary\'s modules', async () => {
    const result = await grypeAdapter.scan(grype as string, request(clean));
    captureFixture('grype-clean.json', result.raw);
    expect(result.findings).toEqual([]);
    // Grype's CycloneDX output lists every component it catalogued: the plumbing saw the Go binary.
    const sbom = await runProcess(grype as string, [`docker-archive:${clean.archive}`, '-o', 'cyclonedx-json'], { env: env(), timeoutMs: 300_000 });
    expect(sbom.code).toBe(0);
    const components = (JSON.parse(sbom.stdout) as { components?: Array<{ name: string; version?: string }> }).components ?? [];
    expect(components).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'golang.org/x/text', version: 'v0.44.0' }), expect.objectContaining({ name: 'stdlib', version: 'go1.27.3' })]));
  });

  it('imports a DB archive given as the database into the scan\'s own work dir, and honours ignoreUnfixed', async () => {
    const archiveDir = join(database, '..', 'archive');
    const archive = join(archiveDir, readdirSync(archiveDir).find((name) => name.endsWith('.tar.gz')) as string);
    const r = request(vulnerable, { database: archive, ignoreUnfixed: true });
    const result = await grypeAdapter.scan(grype as string, r);
    expect(result.findings.map((f) => f.id)).toContain('GO-2022-1059');
    expect(result.findings.every((f) => f.fixed)).toBe(true);
    expect(readdirSync(join(r.workDir, 'grype-db', '6'))).toContain('vulnerability.db');
  });

  it('rejects with Grype\'s error when the archive is not an image (never an empty list)', async () => {
    const r = request(vulnerable);
    await expect(grypeAdapter.scan(grype as string, { ...r, archivePath: join(r.workDir, 'missing.tar') })).rejects.toThrow(/grype failed \(exit 1\)/);
  });

  it('rejects offline without a database, naming the build script', async () => {
    const r = request(vulnerable, { database: undefined });
    await expect(grypeAdapter.scan(grype as string, { ...r, env: { ...process.env, GRYPE_DB_CACHE_DIR: join(r.workDir, 'no-db') } })).rejects.toThrow(/tools\/scanners\/build-dbs\.sh grype/);
  });
});
