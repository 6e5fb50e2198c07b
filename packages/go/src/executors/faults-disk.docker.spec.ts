/**
 * Full disks, for real (tmpfs mounts; CI runs as root): the executors' TMPDIR full, the workspace's dist/
 * full when the records are written, and an engine whose data root fills up in the middle of a RUN step
 * (an engine of this spec's own, on a tmpfs data root, on its own socket; the main and second engines are
 * not touched). After each: a clear error naming the cause, nothing half-written (image.json, scan
 * reports, temporary files), the tags where they were, no container left; with space freed, a re-run
 * succeeds.
 */
import Dockerode from 'dockerode';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../docker';
import { describeDocker } from '../testing/docker';
import { runCaptured } from '../testing/logs';
import { offlineGoVulnDb, scannerForSpecs } from '../testing/scanners';
import { executorContext } from '../testing/workspace';
import { dockerBuildExecutor } from './docker-build/docker-build';
import { dockerScanExecutor } from './docker-scan/docker-scan';
import {
  changeSource,
  ensureImagesIn,
  errorOf,
  executorTempDirs,
  fillUp,
  generateService,
  mountTmpfs,
  recordText,
  removeTree,
  reportOutcome,
  resizeTmpfs,
  SECOND_ENGINE,
  SECOND_SOCKET,
  seconds,
  startSecondEngine,
  strayFiles,
  tagsOf,
  unmount,
  waitFor,
} from './faults-kit.test';

const RECORDS = ['image.json', 'scan.json', 'scan.txt', 'scan.govulncheck.json'];

describeDocker('full disks', () => {
  const docker = new Dockerode({ socketPath: SECOND_SOCKET });
  const name = `fault-disk-${Date.now().toString(36)}`;
  const projectRoot = `apps/${name}`;
  let root: string;
  let scratch: string;
  const mounts: string[] = [];
  const context = () => executorContext(root, name, projectRoot);
  const build = () => runCaptured(() => dockerBuildExecutor({ engine: SECOND_ENGINE, mode: 'prebuilt' }, context()));
  let govulncheck: string | undefined;
  let vulndb: string | undefined;
  const scan = () =>
    runCaptured(() => dockerScanExecutor({ engine: SECOND_ENGINE, scanner: 'govulncheck', scannerPath: govulncheck, offline: true, database: vulndb, failOn: 'NONE' }, context()));

  /**
   * Runs `body` as with TMPDIR=`dir`: os.tmpdir() answers `dir`. (Jest gives a spec a copy of
   * process.env, which node:os does not read, so the answer is set directly.)
   */
  async function withTmpdir<T>(dir: string, body: () => Promise<T>): Promise<T> {
    const spy = jest.spyOn(os, 'tmpdir').mockReturnValue(dir);
    try {
      return await body();
    } finally {
      spy.mockRestore();
    }
  }

  const mount = (dir: string, size: string) => {
    mountTmpfs(dir, size);
    mounts.push(dir);
  };

  beforeAll(async () => {
    startSecondEngine();
    govulncheck = scannerForSpecs('govulncheck');
    vulndb = govulncheck ? offlineGoVulnDb() : undefined;
    root = await generateService(name);
    scratch = mkdtempSync(join(os.tmpdir(), 'org-go-faults-disk-'));
  }, 300_000);

  afterAll(async () => {
    for (const dir of mounts.reverse()) if (isMounted(dir)) unmount(dir);
    for (const image of await docker.listImages({ filters: { reference: [name] } })) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    removeTree(root);
    removeTree(scratch);
  }, 120_000);

  it('TMPDIR on a full tmpfs: prebuilt docker-build and docker-scan fail naming it, leave no temp folder, and work once there is space', async () => {
    const full = join(scratch, 'tmp');
    mount(full, '32m'); // room for a re-run once the filler goes
    const filler = fillUp(full);

    const started = Date.now();
    const failedBuild = await withTmpdir(full, build);
    const buildFailSeconds = seconds(started);
    expect(failedBuild.result.success).toBe(false);
    expect(failedBuild.output).toMatch(/docker-build failed for .*no space left on device.*written under .*org-go-prebuilt-\w+ \(TMPDIR\): free some space there, or point TMPDIR at a folder with room\./is);
    expect(executorTempDirs(full)).toEqual([]);
    expect(recordText(root, projectRoot)).toBeUndefined();
    expect(await tagsOf(docker, name)).toEqual({});

    rmSync(filler);
    const builtAgain = await withTmpdir(full, build);
    if (!builtAgain.result.success) throw new Error(`the re-run of docker-build failed:\n${builtAgain.output}`);
    expect(executorTempDirs(full)).toEqual([]);
    reportOutcome({
      case: '4a. TMPDIR full: docker-build (prebuilt)',
      injected: 'TMPDIR on a 32 MiB tmpfs filled to the last byte',
      message: errorOf(failedBuild.output),
      failSeconds: buildFailSeconds,
      state: 'no org-go-prebuilt-* folder (nor go-build*) in TMPDIR, no image.json, no tag',
      rerun: `space freed: docker-build succeeded (${/Built \S+ \S+ .*?(\d+(\.\d+)?s)/.exec(builtAgain.output)?.[1] ?? 'built'})`,
    });

    if (!govulncheck) return;
    const record = recordText(root, projectRoot);
    fillUp(full);
    const scanStarted = Date.now();
    const failedScan = await withTmpdir(full, scan);
    const scanFailSeconds = seconds(scanStarted);
    expect(failedScan.result.success).toBe(false);
    expect(failedScan.output).toMatch(/docker-scan failed for .*no space left on device/is);
    expect(executorTempDirs(full)).toEqual([]);
    expect(recordText(root, projectRoot, 'scan.json')).toBeUndefined();
    expect(recordText(root, projectRoot)).toBe(record);
    expect(strayFiles(root, projectRoot, RECORDS)).toEqual([]);

    rmSync(join(full, 'filler'));
    const scannedAgain = await withTmpdir(full, scan);
    if (!scannedAgain.result.success) throw new Error(`the re-run of docker-scan failed:\n${scannedAgain.output}`);
    expect(JSON.parse(recordText(root, projectRoot, 'scan.json') as string)).toMatchObject({ projectName: name });
    expect(executorTempDirs(full)).toEqual([]);
    reportOutcome({
      case: '4a. TMPDIR full: docker-scan (govulncheck)',
      injected: 'TMPDIR on a 32 MiB tmpfs filled to the last byte (the scan copies the binary there)',
      message: errorOf(failedScan.output),
      failSeconds: scanFailSeconds,
      state: 'no org-go-scan-* folder, no scan.json/scan.txt, image.json unchanged',
      rerun: 'space freed: docker-scan succeeded and wrote scan.json',
    });
  });

  it('dist/ on a full tmpfs: the built image cannot be recorded; image.json, scan reports and tags stay as they were', async () => {
    // The workspace's dist/ moves onto a 16 MiB tmpfs with what it holds, then fills up.
    const dist = join(root, 'dist');
    const saved = join(scratch, 'dist-before');
    renameSync(dist, saved);
    mount(dist, '16m');
    cpSync(saved, dist, { recursive: true });
    try {
      const before = { record: recordText(root, projectRoot), scan: recordText(root, projectRoot, 'scan.json'), tags: await tagsOf(docker, name) };
      expect(before.record).toBeDefined();
      changeSource(root, name); // a new image, so that the tags would move
      const filler = fillUp(dist);

      const started = Date.now();
      const failed = await build();
      const failSeconds = seconds(started);
      expect(failed.result.success).toBe(false);
      expect(failed.output).toMatch(/was built, but it cannot be recorded in dist\/apps\/[\w-]+\/docker\/image\.json: ENOSPC: no space left on device.*The record and the tags are as they were before this build/s);
      expect(recordText(root, projectRoot)).toBe(before.record);
      expect(strayFiles(root, projectRoot, RECORDS)).toEqual([]);
      expect(await tagsOf(docker, name)).toEqual(before.tags);
      reportOutcome({
        case: '4b. dist/ full: docker-build',
        injected: "the workspace's dist/ on a 16 MiB tmpfs filled to the last byte; a source change, so the build makes a new image",
        message: errorOf(failed.output),
        failSeconds,
        state: `image.json unchanged, no image.json.*.tmp left, ${Object.keys(before.tags).join(', ')} put back on the image it pointed at`,
        rerun: 'space freed: docker-build succeeded (see below)',
      });

      rmSync(filler);
      const again = await build();
      if (!again.result.success) throw new Error(`the re-run of docker-build failed:\n${again.output}`);
      const rebuilt = JSON.parse(recordText(root, projectRoot) as string) as { id: string };
      expect(rebuilt.id).not.toBe(JSON.parse(before.record as string).id);
      expect((await tagsOf(docker, name))[`${name}:latest`]).toBe(rebuilt.id);

      if (!govulncheck) return;
      // The earlier reports go first (the scan deletes them before scanning, which would free their space).
      for (const report of ['scan.json', 'scan.txt', 'scan.govulncheck.json']) rmSync(join(dist, projectRoot, 'docker', report), { force: true });
      fillUp(dist);
      const scanFailed = await scan();
      expect(scanFailed.result.success).toBe(false);
      expect(scanFailed.output).toMatch(/docker-scan failed for [\w-]+: The scan finished, but its reports cannot be written in dist\/apps\/[\w-]+\/docker: ENOSPC: no space left on device.* None was kept/s);
      for (const report of ['scan.json', 'scan.txt', 'scan.govulncheck.json']) expect(recordText(root, projectRoot, report)).toBeUndefined();
      expect(strayFiles(root, projectRoot, RECORDS)).toEqual([]);
      rmSync(join(dist, 'filler'));
      const scannedAgain = await scan();
      if (!scannedAgain.result.success) throw new Error(`the re-run of docker-scan failed:\n${scannedAgain.output}`);
      expect(recordText(root, projectRoot, 'scan.json')).toBeDefined();
      reportOutcome({
        case: '4b. dist/ full: docker-scan',
        injected: 'the same full dist/ when the scan writes its reports',
        message: errorOf(scanFailed.output),
        state: 'no scan.json, scan.txt nor scan.govulncheck.json, no temporary file left',
        rerun: 'space freed: docker-scan succeeded and wrote its reports',
      });
    } finally {
      // dist/ back on the disk (what the tmpfs held goes with it).
      unmount(dist);
      mounts.splice(mounts.indexOf(dist), 1);
    }
  });

  it("an engine whose data root fills up in the middle of a RUN step: the step's error, no image, no tag, no container; re-run with room succeeds", async () => {
    const engine = await startSmallEngine(join(scratch, 'engine3'), '256m');
    try {
      const client = new DockerClient(new Dockerode({ socketPath: engine.socket }), `unix://${engine.socket}`);
      await ensureImagesIn(client, ['org-go/debian:bookworm']);
      const fillName = `${name}-fill`;
      const fillRoot = `apps/${fillName}`;
      const dir = join(root, fillRoot);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'Dockerfile'), 'FROM org-go/debian:bookworm\nRUN dd if=/dev/zero of=/fill bs=1M count=300\n');
      const fillContext = executorContext(root, fillName, fillRoot);
      const third = new Dockerode({ socketPath: engine.socket });
      const state = async () => ({
        containers: (await third.listContainers({ all: true })).map((container) => container.Id),
        tags: (await third.listImages()).flatMap((image) => image.RepoTags ?? []).filter((tag) => tag.startsWith(fillName)),
      });
      const before = await state();

      const started = Date.now();
      const failed = await runCaptured(() => dockerBuildExecutor({ network: 'none' }, fillContext, client));
      const failSeconds = seconds(started);
      expect(failed.result.success).toBe(false);
      expect(failed.output).toMatch(/No space left on device/i);
      expect(failed.output).toMatch(/Step 2\/\d+ failed \(exit code 1\): RUN dd/);
      expect(await state()).toEqual(before);
      expect(recordText(root, fillRoot)).toBeUndefined();
      const stepError = failed.output.split('\n').find((line) => /No space left on device/i.test(line))?.trim();
      reportOutcome({
        case: '4c. engine data root full during a RUN step',
        injected: "an engine of the spec's own with a 256 MiB tmpfs data root; RUN dd writes 300 MiB",
        message: `${stepError} (the step's output, printed as it runs) … ${errorOf(failed.output)}`,
        failSeconds,
        state: 'no image, no tag, no container (the builder removed the step container), no image.json',
        rerun: 'data root grown to 768 MiB (mount -o remount): the same build succeeds (see below)',
      });

      resizeTmpfs(engine.dataRoot, '768m');
      const again = await runCaptured(() => dockerBuildExecutor({ network: 'none' }, fillContext, client));
      if (!again.result.success) throw new Error(`the re-run failed:\n${again.output}`);
      expect(JSON.parse(recordText(root, fillRoot) as string)).toMatchObject({ projectName: fillName });
      expect((await state()).tags).toEqual([`${fillName}:latest`]);
    } finally {
      await engine.stop();
    }
  });

  /**
   * A dockerd of this spec's own: data root on a tmpfs of `size`, its own exec root, pidfile and socket,
   * a bridge of its own and no iptables (its builds run with network none), stopped by its pid.
   */
  async function startSmallEngine(base: string, size: string) {
    const id = `orggo-faults3-${process.pid}`;
    const dataRoot = join(base, 'data');
    mount(dataRoot, size);
    const socket = `/var/run/${id}.sock`;
    const execRoot = `/var/run/${id}`;
    const pidfile = `/var/run/${id}.pid`;
    const config = join(base, 'daemon.json');
    writeFileSync(config, '{}\n');
    const log = join(base, 'dockerd.log');
    const out = openSync(log, 'a');
    const flags = ['--host', `unix://${socket}`, '--data-root', dataRoot, '--exec-root', execRoot, '--pidfile', pidfile, '--config-file', config];
    // A bridge of its own: with `--bridge none` dockerd deletes the host's docker0, which the main engine uses.
    const bridge = `orggo-f3-${process.pid % 100000}`;
    execFileSync('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', '10.214.0.1/24', 'dev', bridge]);
    execFileSync('ip', ['link', 'set', bridge, 'up']);
    const removeBridge = () => execFileSync('ip', ['link', 'delete', bridge], { stdio: 'ignore' });
    flags.push('--bridge', bridge, '--iptables=false', '--ip-masq=false', '--cgroup-parent', id, '--storage-driver', 'overlay2');
    if (!existsSync('/run/systemd/system')) flags.push('--exec-opt', 'native.cgroupdriver=cgroupfs');
    const child = spawn('dockerd', flags, {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/local/sbin:/usr/sbin:/sbin` },
    });
    closeSync(out);
    child.unref();
    const exited = new Promise<void>((done) => child.on('exit', () => done()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid as number, 'SIGTERM');
        await Promise.race([exited, new Promise((done) => setTimeout(done, 30_000).unref())]);
      }
      if (isMounted(dataRoot)) unmount(dataRoot);
      mounts.splice(mounts.indexOf(dataRoot), 1);
      rmSync(execRoot, { recursive: true, force: true });
      try {
        removeBridge();
      } catch {
        // already gone
      }
    };
    try {
      await waitFor('the small engine to answer', async () => {
        if (child.exitCode !== null) throw new Error(`dockerd exited with ${child.exitCode}:\n${readFileSync(log, 'utf8').slice(-3000)}`);
        return (await new Dockerode({ socketPath: socket }).ping().then(() => true, () => undefined)) as true | undefined;
      }, 60_000, 250);
    } catch (err) {
      await stop();
      throw err;
    }
    return { socket, dataRoot, stop };
  }
});

function isMounted(dir: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === dir);
}
