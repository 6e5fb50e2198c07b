/**
 * docker-scan on a real engine, with the real govulncheck and the offline Go vulnerability database
 * (built from the golang.org/x/vulndb module): a generated service is scanned as built, then made to
 * call a function with a known advisory, then fixed, each time through docker-build and docker-scan.
 */
import '@microsoft/jest-sarif';
import Dockerode from 'dockerode';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerClient } from '../../docker';
import { serviceGenerator } from '../../generators/service/service';
import { describeDocker } from '../../testing/docker';
import { runCaptured } from '../../testing/logs';
import { offlineGoVulnDb, scannerForSpecs } from '../../testing/scanners';
import { offlineDatabase } from './lib/scanners/trivy-grype-kit.test';
import { executorContext, generateWorkspace } from '../../testing/workspace';
import { detectGoVersion } from '../../utils/go-version';
import { dockerBuildExecutor } from '../docker-build/docker-build';
import { dockerScanExecutor } from './docker-scan';
import type { ScanReport } from './lib/report';

/** Go 1.27.3: the toolchain the offline database knows no advisory for (tools/setup.sh seeds its image). */
const PATCHED_BUILDER = 'golang:1.27-bookworm';

describeDocker('docker-scan with govulncheck on a real engine', () => {
  const docker = new Dockerode();
  const client = DockerClient.fromEnvironment();
  const name = `scan-${Date.now().toString(36)}`;
  const projectRoot = `apps/${name}`;
  const context = () => executorContext(root, name, projectRoot);
  let root: string;
  let serviceDir: string;
  let env: NodeJS.ProcessEnv;

  const goEnv = () => ({ ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' });
  const build = async (builder?: string) => {
    const { result, output } = await runCaptured(() => dockerBuildExecutor(builder ? { buildArgs: { BUILDER_IMAGE: builder } } : {}, context(), client));
    if (!result.success) throw new Error(`docker-build failed:\n${output}`);
  };
  const scan = (options: Parameters<typeof dockerScanExecutor>[0] = {}) =>
    runCaptured(() => dockerScanExecutor({ scanner: 'govulncheck', offline: true, ...options }, context(), client, env));
  const record = () => JSON.parse(readFileSync(join(root, 'dist', projectRoot, 'docker', 'scan.json'), 'utf8')) as ScanReport;

  beforeAll(async () => {
    const govulncheck = scannerForSpecs('govulncheck');
    if (!govulncheck) throw new Error('govulncheck is not installed: run bash tools/scanners/install.sh govulncheck');
    env = { ...process.env, ORG_GO_VULNDB: offlineGoVulnDb() };
    root = await generateWorkspace((tree) => serviceGenerator(tree, { name, goVersion: detectGoVersion() }));
    serviceDir = join(root, projectRoot);
  }, 120_000);

  afterAll(async () => {
    const images = await docker.listImages({ filters: { reference: [name] } });
    await Promise.all(images.map((image) => docker.getImage(image.Id).remove({ force: true }).catch(() => undefined)));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('fails the gate on the Go 1.26.8 standard library the image is built with, naming the advisories', async () => {
    await build();
    const { result, output } = await scan();
    expect(result.success).toBe(false);
    const report = record();
    expect(report.verdict).toBe('fail');
    const stdlib = report.findings.filter((f) => f.package === 'stdlib');
    expect(stdlib.length).toBeGreaterThan(0);
    for (const finding of stdlib) {
      expect(finding.installed).toBe('v1.26.8');
      expect(finding.fixed).toMatch(/^v1\.26\.(9|10)$/);
      expect(finding.severity).toBe('CRITICAL'); // unrated and reached: counts as CRITICAL by default
      expect(output).toContain(finding.id);
    }
    expect(output).toMatch(/FAIL: \d+ advisor(y|ies) at or above CRITICAL \(GO-2026-\d+/);
    expect(report.scanned).toMatch(new RegExp(`^binary /${name} of image sha256:`));
  });

  it('passes the generated service built with Go 1.27.3, and writes the report', async () => {
    await build(PATCHED_BUILDER);
    const { result, output } = await scan();
    expect(result.success).toBe(true);
    expect(output).toContain('PASS: no finding at or above CRITICAL');
    expect(record()).toMatchObject({ verdict: 'pass', findings: [], scanner: { scanner: 'govulncheck', version: 'v1.9.0', databaseUpdatedAt: '2026-11-05T23:49:57Z' } });
    expect(readFileSync(join(root, 'dist', projectRoot, 'docker', 'scan.txt'), 'utf8')).toContain('PASS');
    // govulncheck's own JSON stream is kept beside the record.
    expect(readFileSync(join(root, 'dist', projectRoot, 'docker', 'scan.govulncheck.json'), 'utf8')).toMatch(/"scanner_name": "govulncheck"/);
  });

  it('fails with GO-2021-0113 once the service calls language.Parse of golang.org/x/text v0.3.5', async () => {
    execFileSync('go', ['get', 'golang.org/x/text@v0.3.5'], { cwd: serviceDir, env: goEnv(), stdio: 'pipe' });
    writeFileSync(
      join(serviceDir, 'internal/server/lang.go'),
      [
        'package server',
        '',
        'import (',
        '\t"net/http"',
        '',
        '\t"golang.org/x/text/language"',
        ')',
        '',
        '// handleLanguage answers the canonical form of the BCP 47 tag in ?tag=.',
        'func handleLanguage() http.Handler {',
        '\treturn http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {',
        '\t\ttag, err := language.Parse(r.URL.Query().Get("tag"))',
        '\t\tif err != nil {',
        '\t\t\thttp.Error(w, err.Error(), http.StatusBadRequest)',
        '\t\t\treturn',
        '\t\t}',
        '\t\t_, _ = w.Write([]byte(tag.String()))',
        '\t})',
        '}',
        '',
      ].join('\n'),
    );
    const routes = join(serviceDir, 'internal/server/routes.go');
    writeFileSync(routes, readFileSync(routes, 'utf8').replace('mux.Handle("GET /v1/info", handleInfo(info))', 'mux.Handle("GET /v1/info", handleInfo(info))\n\tmux.Handle("GET /v1/language", handleLanguage())'));
    execFileSync('go', ['build', './...'], { cwd: serviceDir, env: goEnv(), stdio: 'pipe' });
    await build(PATCHED_BUILDER);

    const { result, output } = await scan({ format: 'sarif' });
    expect(result.success).toBe(false);
    expect(output).toMatch(/GO-2021-0113\s+CRITICAL\s+golang\.org\/x\/text\s+v0\.3\.5 → v0\.3\.7/);
    expect(output).toMatch(/FAIL: \d+ advisor(y|ies) at or above CRITICAL \(.*GO-2021-0113/);
    const report = record();
    expect(report.findings.find((f) => f.id === 'GO-2021-0113')?.symbols).toContain('language.Parse');
    const sarif = JSON.parse(readFileSync(join(root, 'dist', projectRoot, 'docker', 'scan.sarif'), 'utf8'));
    expect(sarif).toBeValidSarifLog();
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toContain('GO-2021-0113');
  });

  it('an ignore entry lets it pass until it expires; the reason is recorded', async () => {
    const ignoreFile = join(serviceDir, '.vulnignore');
    // Every x/text advisory of v0.3.5 the binary reaches, by id, so the gate sees none of them.
    const ids = record().findings.filter((f) => f.package === 'golang.org/x/text').map((f) => f.id);
    writeFileSync(ignoreFile, ids.map((id) => `${id} exp:2999-12-31 # waiting for the upgrade in the next sprint`).join('\n') + '\n');
    const passing = await scan();
    expect(passing.result.success).toBe(true);
    expect(passing.output).toMatch(/\d+ ignored/);
    expect(record().ignored).toContainEqual({ id: 'GO-2021-0113', package: 'golang.org/x/text', reason: 'waiting for the upgrade in the next sprint', expires: '2999-12-31' });

    writeFileSync(ignoreFile, ids.map((id) => `${id} exp:2020-01-01 # long expired`).join('\n') + '\n');
    const expired = await scan();
    expect(expired.result.success).toBe(false);
    expect(expired.output).toMatch(/ignore entry GO-2021-0113 \(.*\.vulnignore:\d+\) expired on 2020-01-01/);
    rmSync(ignoreFile);
  });

  it.each(['trivy', 'grype'] as const)('%s through the executor finds the same advisory, unrated, and gates it when told how unrated findings count', async (scanner) => {
    if (!scannerForSpecs(scanner)) return;
    const database = offlineDatabase(scanner);
    const { result, output } = await scan({ scanner, database, failOn: 'HIGH', unratedSeverity: 'HIGH' });
    expect(result.success).toBe(false);
    const report = record();
    expect(report.scanner.scanner).toBe(scanner);
    const textFindings = report.findings.filter((f) => f.package.includes('golang.org/x/text'));
    expect(textFindings.some((f) => f.id === 'GO-2021-0113' || f.aliases.includes('GO-2021-0113'))).toBe(true);
    expect(output).toMatch(/FAIL: \d+ advisor(y|ies) at or above HIGH/);
    expect(readFileSync(join(root, 'dist', projectRoot, 'docker', `scan.${scanner}.json`), 'utf8').length).toBeGreaterThan(100);
    // As rated by these databases (the Go database rates nothing), the default gate lets it through.
    expect((await scan({ scanner, database })).result.success).toBe(true);
  });

  it('passes again after upgrading golang.org/x/text', async () => {
    execFileSync('go', ['get', 'golang.org/x/text@v0.44.0'], { cwd: serviceDir, env: goEnv(), stdio: 'pipe' });
    await build(PATCHED_BUILDER);
    const { result, output } = await scan();
    expect(result.success).toBe(true);
    expect(output).toContain('PASS');
    expect(record().findings).toEqual([]);
  });

  it('a failed scan leaves no earlier verdict behind, and a missing image.json names the build target', async () => {
    expect(existsSync(join(root, 'dist', projectRoot, 'docker', 'scan.json'))).toBe(true);
    const broken = await scan({ scannerPath: '/bin/false' });
    expect(broken.result.success).toBe(false);
    expect(broken.output).toMatch(/did not print a govulncheck version/);

    rmSync(join(root, 'dist', projectRoot, 'docker', 'image.json'));
    const missing = await scan();
    expect(missing.result.success).toBe(false);
    expect(missing.output).toContain(`Run "nx run ${name}:docker-build" first`);
  });
});
