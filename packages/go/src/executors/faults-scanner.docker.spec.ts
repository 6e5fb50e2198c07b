/**
 * The scanner killed in the middle of a scan: docker-scan with govulncheck, whose scan is a stand-in
 * (scannerPath) that answers -version through the real govulncheck and then runs until this spec
 * SIGKILLs it. The scan fails with the reason, the earlier verdict is gone (no scan.json left to look
 * current), no temp folder or process is left, and a re-run with the real govulncheck succeeds.
 */
import Dockerode from 'dockerode';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describeDocker } from '../testing/docker';
import { runCaptured } from '../testing/logs';
import { offlineGoVulnDb, scannerForSpecs } from '../testing/scanners';
import { executorContext } from '../testing/workspace';
import { dockerBuildExecutor } from './docker-build/docker-build';
import { dockerScanExecutor } from './docker-scan/docker-scan';
import {
  errorOf,
  executorTempDirs,
  generateService,
  processesIn,
  recordText,
  removeTree,
  reportOutcome,
  SECOND_ENGINE,
  SECOND_SOCKET,
  startSecondEngine,
  strayFiles,
  waitFor,
} from './faults-kit.test';

describeDocker('the scanner killed in the middle of a scan', () => {
  const docker = new Dockerode({ socketPath: SECOND_SOCKET });
  const name = `fault-scan-${Date.now().toString(36)}`;
  const projectRoot = `apps/${name}`;
  let root: string;
  let scratch: string;
  let govulncheck: string;
  let vulndb: string;
  const context = () => executorContext(root, name, projectRoot);
  /** docker-scan with its temp folders in `scratch/tmp` (os.tmpdir(); jest's copy of process.env does not reach node:os). */
  const scan = async (scannerPath: string) => {
    const spy = jest.spyOn(os, 'tmpdir').mockReturnValue(join(scratch, 'tmp'));
    try {
      return await runCaptured(() => dockerScanExecutor({ engine: SECOND_ENGINE, scanner: 'govulncheck', scannerPath, offline: true, database: vulndb, failOn: 'NONE' }, context()));
    } finally {
      spy.mockRestore();
    }
  };

  beforeAll(async () => {
    startSecondEngine();
    govulncheck = scannerForSpecs('govulncheck') as string;
    if (!govulncheck) throw new Error('govulncheck is not installed: run bash tools/scanners/install.sh govulncheck');
    vulndb = offlineGoVulnDb();
    root = await generateService(name);
    scratch = mkdtempSync(join(os.tmpdir(), 'org-go-faults-scan-'));
    mkdirSync(join(scratch, 'tmp'));
  }, 300_000);

  afterAll(async () => {
    for (const image of await docker.listImages({ filters: { reference: [name] } })) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    removeTree(root);
    removeTree(scratch);
  });

  it('SIGKILL to govulncheck mid-scan: the failure says so, no scan.json is left, and the re-run succeeds', async () => {
    const built = await runCaptured(() => dockerBuildExecutor({ engine: SECOND_ENGINE, mode: 'prebuilt' }, context()));
    if (!built.result.success) throw new Error(`docker-build failed:\n${built.output}`);
    const first = await scan(govulncheck);
    if (!first.result.success) throw new Error(`the first scan failed:\n${first.output}`);
    expect(recordText(root, projectRoot, 'scan.json')).toBeDefined();
    const record = recordText(root, projectRoot);

    // The stand-in: -version through the real govulncheck; a scan records its pid and runs until killed.
    const pidFile = join(scratch, 'scanner.pid');
    const standIn = join(scratch, 'govulncheck');
    writeFileSync(
      standIn,
      [
        '#!/bin/sh',
        `case " $* " in *" -version "*) exec "${govulncheck}" "$@" ;; esac`,
        `echo $$ > "${pidFile}"`,
        'echo "govulncheck: scanning (stand-in, runs until it is killed)" >&2',
        'exec sleep 120',
        '',
      ].join('\n'),
    );
    chmodSync(standIn, 0o755);

    const running = scan(standIn);
    const pid = await waitFor('the scanner to start', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || undefined : undefined), 60_000);
    // It runs (exec'd into sleep), then dies as a machine under memory pressure or an operator would kill it.
    await waitFor('the scanner to run', () => (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep') ? true : undefined), 10_000, 20);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const { result, output } = await running;
    const failSeconds = (Date.now() - killedAt) / 1000;

    expect(result.success).toBe(false);
    expect(output).toMatch(/docker-scan failed for [\w-]+: govulncheck failed \(exit SIGKILL\): it was killed before it finished \(out of memory, or stopped from outside\), so there is no verdict; run the scan again:\s+govulncheck: scanning \(stand-in/);
    for (const report of ['scan.json', 'scan.txt', 'scan.govulncheck.json']) expect(recordText(root, projectRoot, report)).toBeUndefined();
    expect(strayFiles(root, projectRoot, ['image.json'])).toEqual([]);
    expect(recordText(root, projectRoot)).toBe(record);
    expect(executorTempDirs(join(scratch, 'tmp'))).toEqual([]);
    expect(processesIn(root)).toEqual([]);

    const again = await scan(govulncheck);
    if (!again.result.success) throw new Error(`the re-run failed:\n${again.output}`);
    expect(JSON.parse(recordText(root, projectRoot, 'scan.json') as string)).toMatchObject({ projectName: name });
    expect(executorTempDirs(join(scratch, 'tmp'))).toEqual([]);
    reportOutcome({
      case: '6. scanner killed mid-scan',
      injected: 'scannerPath: a govulncheck stand-in (real -version, then runs until killed); SIGKILL to it',
      message: errorOf(output),
      failSeconds,
      state: 'scan.json, scan.txt and scan.govulncheck.json of the earlier scan removed, none written; image.json unchanged; no org-go-scan-* folder; no process left',
      rerun: 'docker-scan with the real govulncheck succeeded and wrote scan.json',
    });
  });
});
