/**
 * The Trivy adapter against the real Trivy (built from the Go module proxy by tools/scanners/install.sh)
 * and a real engine, with the offline database tools/scanners/build-dbs.sh builds from the Go
 * vulnerability database: a Go binary linking golang.org/x/text v0.3.5, built with Go 1.26.8, must show
 * the x/text and standard-library advisories; the same program on Go 1.27.3 with x/text v0.44.0, none.
 *
 * With ORG_GO_CAPTURE_FIXTURES=1 it also stores Trivy's outputs under __fixtures__/ for trivy.spec.ts
 * (tools/scanners/capture-fixtures.sh).
 */
import { rmSync } from 'node:fs';
import { DockerClient } from '../../../../docker';
import { describeDocker } from '../../../../testing/docker';
import { runProcess } from './run-process';
import { trivyAdapter } from './trivy';
import { buildScanImage, captureFixture, offlineDatabase, scanRequest, scannerBinary, type ScanImage } from './trivy-grype-kit.test';
import type { ScanRequest } from './types';

const trivy = scannerBinary('trivy');
const suite = trivy ? describeDocker : describe.skip;

suite('trivy adapter: real Trivy, real engine, offline database from the Go vulnerability database', () => {
  const client = DockerClient.fromEnvironment();
  const tag = `org-go-trivy-spec-${process.pid}`;
  let database: string;
  let vulnerable: ScanImage;
  let clean: ScanImage;
  const workDirs: string[] = [];
  const request = (image: ScanImage, overrides: Partial<ScanRequest> = {}) => {
    const r = scanRequest(image, database, overrides);
    workDirs.push(r.workDir);
    return r;
  };

  beforeAll(async () => {
    database = offlineDatabase('trivy');
    vulnerable = await buildScanImage(client, `${tag}:vulnerable`, 'golang:1.26-bookworm', 'v0.3.5');
    clean = await buildScanImage(client, `${tag}:clean`, 'golang:1.27-bookworm', 'v0.44.0');
  }, 45 * 60_000);

  afterAll(async () => {
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
    for (const image of [vulnerable, clean]) if (image) await client.removeImage(image.reference, true).catch(() => undefined);
  });

  it('reports its version and the database date', async () => {
    const version = await trivyAdapter.version(trivy as string, { database, env: process.env, timeoutMs: 60_000 });
    expect(version).toMatchObject({ scanner: 'trivy', version: 'v0.74.0' });
    expect(version.databaseUpdatedAt).toBe('2026-11-05T23:49:57Z');
    expect(version.database).toContain('(schema 2)');
    const raw = await runProcess(trivy as string, ['version', '--format', 'json', '--cache-dir', database]);
    captureFixture('trivy-version.json', raw.stdout);
  });

  it('finds the golang.org/x/text and Go 1.26.8 standard-library advisories in the vulnerable image, by image reference', async () => {
    const started = Date.now();
    const result = await trivyAdapter.scan(trivy as string, request(vulnerable));
    const seconds = (Date.now() - started) / 1000;
    captureFixture('trivy-vulnerable.json', result.raw);
    // eslint-disable-next-line no-console
    console.log(`trivy scan of ${vulnerable.reference}: ${result.findings.length} findings in ${seconds.toFixed(1)} s`);

    const text = result.findings.filter((f) => f.package === 'golang.org/x/text');
    const byGoId = (goId: string) => text.find((f) => f.aliases.includes(goId));
    expect(byGoId('GO-2022-1059')).toMatchObject({
      id: 'CVE-2022-32149',
      installed: 'v0.3.5',
      fixed: '0.3.8',
      severity: 'UNKNOWN', // the Go vulnerability database rates nothing
      target: 'langserver',
      title: expect.stringContaining('Accept-Language'),
    });
    expect(byGoId('GO-2022-1059')?.aliases).toEqual(expect.arrayContaining(['GHSA-69ch-w2m2-3vjp']));
    expect(byGoId('GO-2021-0113')).toMatchObject({ id: 'CVE-2021-38561', fixed: '0.3.7' });

    const stdlib = result.findings.filter((f) => f.package === 'stdlib');
    expect(stdlib.length).toBeGreaterThan(0);
    for (const finding of stdlib) {
      expect(finding.installed).toBe('v1.26.8');
      expect(finding.aliases.some((id) => id.startsWith('GO-2026-'))).toBe(true);
      expect(finding.fixed).toMatch(/^1\.26\.\d+/);
    }
    for (const finding of result.findings) expect(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']).toContain(finding.severity);
  });

  it('finds nothing in the same program built with Go 1.27.3 and golang.org/x/text v0.44.0, and still saw the binary', async () => {
    const result = await trivyAdapter.scan(trivy as string, request(clean));
    captureFixture('trivy-clean.json', result.raw);
    expect(result.findings).toEqual([]);
    const report = JSON.parse(result.raw) as { Results?: Array<{ Target: string; Type: string; Packages?: Array<{ Name: string; Version?: string }> }> };
    const binary = report.Results?.find((r) => r.Type === 'gobinary');
    expect(binary?.Target).toBe('langserver');
    expect(binary?.Packages).toEqual(expect.arrayContaining([expect.objectContaining({ Name: 'golang.org/x/text', Version: 'v0.44.0' })]));
  });

  it('scans by image id too, and honours ignoreUnfixed', async () => {
    const result = await trivyAdapter.scan(trivy as string, request(vulnerable, { imageReference: vulnerable.imageId, ignoreUnfixed: true }));
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.findings.every((f) => f.fixed)).toBe(true);
  });

  it('rejects with Trivy\'s error when the engine does not have the image (never an empty list)', async () => {
    await expect(trivyAdapter.scan(trivy as string, request({ imageId: 'sha256:0', reference: `${tag}:missing` }))).rejects.toThrow(/trivy failed \(exit 1\)[\s\S]*unable to find the specified image/);
  });

  it('rejects when DOCKER_HOST points at no engine', async () => {
    const r = request(vulnerable, { env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    await expect(trivyAdapter.scan(trivy as string, r)).rejects.toThrow(/nonexistent\/docker\.sock/);
  });

  it('rejects offline without a database, naming the build script', async () => {
    const r = request(vulnerable, { database: undefined, env: { ...process.env, TRIVY_CACHE_DIR: r0() } });
    await expect(trivyAdapter.scan(trivy as string, r)).rejects.toThrow(/tools\/scanners\/build-dbs\.sh trivy/);
  });

  /** An empty cache directory (no database). */
  function r0(): string {
    const r = scanRequest(vulnerable, undefined);
    workDirs.push(r.workDir);
    return r.workDir;
  }
});
