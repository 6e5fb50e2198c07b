/**
 * docker-scan's checks that come before the engine: every one fails with a message that says what is
 * wrong and what to do, and writes nothing. The scanner itself is real where one is needed.
 */
import Dockerode from 'dockerode';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../../docker';
import { runCaptured } from '../../testing/logs';
import { offlineGoVulnDb, scannerForSpecs } from '../../testing/scanners';
import { executorContext } from '../../testing/workspace';
import { dockerScanExecutor } from './docker-scan';
import type { DockerScanExecutorSchema } from './schema';

/** An engine nobody listens on: a spec that reached it would fail with a connection error, not the message asserted. */
const unreachable = new DockerClient(new Dockerode({ socketPath: '/nonexistent/docker.sock' }), 'unix:///nonexistent/docker.sock');

describe('docker-scan: checks before the engine', () => {
  let root: string;
  const run = (options: DockerScanExecutorSchema, env: NodeJS.ProcessEnv = process.env, now?: () => Date) =>
    runCaptured(() => dockerScanExecutor(options, executorContext(root, 'orders', 'apps/orders'), unreachable, env, now));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'org-go-scan-checks-'));
    mkdirSync(join(root, 'apps/orders'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('names the install command when the scanner is not installed', async () => {
    const env = { PATH: '/nonexistent', HOME: root, GOPATH: join(root, 'go') };
    const { result, output } = await run({ scanner: 'govulncheck' }, env);
    expect(result.success).toBe(false);
    expect(output).toContain('govulncheck is not installed (not on PATH). Install it with:\n  go install golang.org/x/vuln/cmd/govulncheck@v1.9.0');
    const auto = await run({}, env);
    expect(auto.output).toMatch(/No vulnerability scanner is installed \(looked for [a-z, ]*govulncheck on PATH\)\. Install one:\n/);
  });

  it('rejects bad options, naming the option and a valid value', async () => {
    expect((await run({ failOn: 'URGENT' as never })).output).toMatch(/Option "failOn" is "URGENT".*--failOn=HIGH/);
    expect((await run({ failOn: 'HIGH', severity: 'LOW' })).output).toMatch(/"failOn" \(HIGH\) and "severity" \(LOW\) disagree/);
    expect((await run({ scanner: 'clair' as never })).output).toMatch(/Option "scanner" is "clair"\. Use one of auto, govulncheck, trivy, grype/);
    expect((await run({ timeout: -1 })).output).toMatch(/Option "timeout" must be a number of seconds above 0/);
    expect((await run({ binaryPath: 'orders' })).output).toMatch(/"binaryPath" must be an absolute path inside the image, e.g. \/orders/);
    expect((await run({ outputFile: '../../../etc/scan.txt' })).output).toMatch(/Option "outputFile" .* points outside the workspace/);
    expect((await run({ ignoreFile: 'missing.ignore' })).output).toMatch(/The ignore file .*missing\.ignore does not exist/);
  });

  it('rejects an ignore file line it does not understand, with the line number', async () => {
    writeFileSync(join(root, 'apps/orders/.vulnignore'), 'GO-2021-0113 # ok\nGO-2022-1059 until:tomorrow\n');
    const { result, output } = await run({ scanner: 'govulncheck' });
    expect(result.success).toBe(false);
    expect(output).toMatch(/\.vulnignore:2: "until:tomorrow" is not understood/);
  });

  const withGovulncheck = scannerForSpecs('govulncheck') ? it : it.skip;

  withGovulncheck('offline mode needs a local database, and says how to get one', async () => {
    const env = { ...process.env, ORG_GO_VULNDB: '' };
    const { result, output } = await run({ scanner: 'govulncheck', offline: true }, env);
    expect(result.success).toBe(false);
    expect(output).toMatch(/Offline mode needs a local Go vulnerability database: set "database" \(or ORG_GO_VULNDB\)/);
    const empty = join(root, 'empty-db');
    mkdirSync(empty);
    const notADb = await run({ scanner: 'govulncheck', offline: true, database: empty }, env);
    expect(notADb.output).toMatch(/is not a Go vulnerability database \(index\/db\.json is missing/);
    expect(existsSync(join(root, 'dist'))).toBe(false);
  });

  withGovulncheck('warns when the database is older than maxDatabaseAge, then goes on to the engine', async () => {
    const env = { ...process.env, ORG_GO_VULNDB: offlineGoVulnDb() };
    const { result, output } = await run({ scanner: 'govulncheck', offline: true, maxDatabaseAge: 30 }, env, () => new Date('2027-03-01T00:00:00Z'));
    expect(output).toMatch(/The govulncheck database was last updated 2026-11-05, 115 days ago \(more than maxDatabaseAge 30\)/);
    // It got as far as the engine, which is unreachable here.
    expect(result.success).toBe(false);
    expect(output).toMatch(/nonexistent\/docker\.sock/);
  });
});
