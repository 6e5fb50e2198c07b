/**
 * Faults of the engine, injected for real on the second engine (tools/ensure-docker.sh --second; the
 * main engine is never stopped): stopped while the generated service's Go compile step runs, restarted
 * while it runs, and down before any executor starts. After each: a clear failure, no image.json written
 * or changed, no tag moved, no build container left once the engine is back, and a re-run that succeeds.
 */
import Dockerode from 'dockerode';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { DockerClient } from '../docker';
import { describeDocker } from '../testing/docker';
import { runCaptured } from '../testing/logs';
import { offlineGoVulnDb, scannerForSpecs } from '../testing/scanners';
import { executorContext } from '../testing/workspace';
import { dockerBuildExecutor } from './docker-build/docker-build';
import { dockerPushExecutor } from './docker-push/docker-push';
import { dockerRunExecutor } from './docker-run/docker-run';
import { dockerScanExecutor } from './docker-scan/docker-scan';
import { dockerTagExecutor } from './docker-tag/docker-tag';
import {
  BUILDER_IMAGE,
  buildContainersOf,
  changeSource,
  ensureImagesIn,
  errorOf,
  generateService,
  recordText,
  removeTree,
  reportOutcome,
  runningCompile,
  SECOND_ENGINE,
  SECOND_SOCKET,
  seconds,
  sleep,
  startSecondEngine,
  startSecondEngineAsync,
  stopSecondEngine,
  stopSecondEngineAsync,
  strayFiles,
  tagsOf,
  waitFor,
} from './faults-kit.test';

describeDocker('faults of the engine (second engine)', () => {
  const docker = new Dockerode({ socketPath: SECOND_SOCKET });
  const name = `fault-eng-${Date.now().toString(36)}`;
  const projectRoot = `apps/${name}`;
  let root: string;
  const context = () => executorContext(root, name, projectRoot);
  /** docker-build as a user runs it: the engine named by the option, the client made by the executor. */
  const build = () => runCaptured(() => dockerBuildExecutor({ engine: SECOND_ENGINE }, context()));

  beforeAll(async () => {
    startSecondEngine();
    await ensureImagesIn(DockerClient.fromEnvironment(SECOND_ENGINE), [BUILDER_IMAGE]);
    root = await generateService(name);
  }, 600_000);

  afterAll(async () => {
    startSecondEngine(); // whatever a failed case left, the engine is up again for everyone else
    for (const container of await buildContainersOf(docker, name)) await docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
    for (const image of await docker.listImages({ filters: { reference: [name, `127.0.0.1:5999/${name}`] } })) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    removeTree(root);
  }, 180_000);

  /**
   * Starts docker-build on a fresh source change, injects `fault` once the Go compile step runs, and
   * returns what the user saw and how long the failure took after the fault began.
   */
  async function buildWithFault(fault: () => Promise<void>) {
    changeSource(root, name);
    const before = { record: recordText(root, projectRoot), tags: await tagsOf(docker, name) };
    const started = Date.now();
    const run = build();
    const compile = await waitFor('the Go compile step to run', () => runningCompile(docker, name), 180_000);
    const compileAfter = seconds(started);
    await sleep(1500); // well inside the compile, which takes far longer than this
    const faultAt = Date.now();
    const faulted = fault();
    const { result, output } = await run;
    const failSeconds = seconds(faultAt);
    await faulted;
    return { before, result, output, failSeconds, compileAfter, compileContainer: compile.Id };
  }

  /** After the engine is back: the record and the tags as before, the dead step container recorded for removal. */
  async function expectNothingMoved(before: { record?: string; tags: Record<string, string> }, compileContainer: string) {
    expect(recordText(root, projectRoot)).toBe(before.record);
    expect(await tagsOf(docker, name)).toEqual(before.tags);
    const leftover = await buildContainersOf(docker, name);
    const interrupted = JSON.parse(recordText(root, projectRoot, 'interrupted-build.json') ?? '{"containers":[]}') as { containers: string[] };
    // The engine keeps the compile container it was running, dead; docker-build recorded it for the next build.
    for (const container of leftover) expect(interrupted.containers.some((id) => container.Id.startsWith(id))).toBe(true);
    expect(strayFiles(root, projectRoot, ['image.json', 'interrupted-build.json'])).toEqual([]);
    return leftover.map((container) => `${container.Id.slice(0, 12)} ${container.State}`);
  }

  /** The re-run: succeeds, removes what the interrupted build left, records the new image and moves the tag to it. */
  async function expectRerunSucceeds() {
    const started = Date.now();
    const { result, output } = await build();
    if (!result.success) throw new Error(`the re-run failed:\n${output}`);
    const record = JSON.parse(recordText(root, projectRoot) as string) as { id: string; tags: string[] };
    expect((await tagsOf(docker, name))[`${name}:latest`]).toBe(record.id);
    expect(await buildContainersOf(docker, name)).toEqual([]);
    expect(existsSync(join(root, 'dist', projectRoot, 'docker', 'interrupted-build.json'))).toBe(false);
    const removed = /Removed the build container ([0-9a-f, ]+) left/.exec(output)?.[1];
    return `re-run succeeded in ${seconds(started)}s (${/cache (\d+\/\d+) steps/.exec(output)?.[0] ?? 'no cache line'})${removed ? `, removing the left build container ${removed}` : ''}`;
  }

  it('engine stopped while the Go compile step runs: clear failure, nothing recorded or tagged; started again, the re-run succeeds', async () => {
    let stopSeconds = 0;
    const { before, result, output, failSeconds, compileAfter, compileContainer } = await buildWithFault(async () => {
      stopSeconds = await stopSecondEngineAsync();
    });
    expect(result.success).toBe(false);
    expect(output).toMatch(/Lost the Docker engine at unix:\/\/\/var\/run\/org-go-docker2\.sock \(option\) in the middle of the build \(.*\): it stopped or restarted/);
    expect(output).toMatch(/Start the engine again .* and run the build again/);
    expect(output).toMatch(/Step \d+\/\d+ failed: RUN CGO_ENABLED=0 GOOS=linux go build/);
    expect(recordText(root, projectRoot)).toBe(before.record); // while the engine is still down
    startSecondEngine();
    const left = await expectNothingMoved(before, compileContainer);
    const rerun = await expectRerunSucceeds();
    reportOutcome({
      case: '2. engine stopped during the build',
      injected: `tools/ensure-docker.sh --stop --second ${compileAfter + 1.5}s into docker-build, 1.5s into the Go compile step (dockerd took ${stopSeconds}s to stop)`,
      message: errorOf(output),
      failSeconds,
      state: `image.json ${before.record ? 'unchanged' : 'not written'}, tags unchanged, ${left.length} dead compile container (${left.join(', ') || 'none'}) recorded in interrupted-build.json`,
      rerun,
    });
  });

  it('engine restarted while the Go compile step runs: the same, and the re-run right after succeeds', async () => {
    let restart = '';
    const { before, result, output, failSeconds, compileAfter, compileContainer } = await buildWithFault(async () => {
      const stopped = await stopSecondEngineAsync();
      const started = await startSecondEngineAsync();
      restart = `stop ${stopped}s + start ${started}s`;
    });
    expect(result.success).toBe(false);
    expect(output).toMatch(/Lost the Docker engine at unix:\/\/\/var\/run\/org-go-docker2\.sock \(option\) in the middle of the build/);
    expect(output).toMatch(/Step \d+\/\d+ failed: RUN CGO_ENABLED=0 GOOS=linux go build/);
    const left = await expectNothingMoved(before, compileContainer);
    const rerun = await expectRerunSucceeds();
    reportOutcome({
      case: '3. engine restarted during the build',
      injected: `--stop --second then --second, ${compileAfter + 1.5}s into docker-build (${restart})`,
      message: errorOf(output),
      failSeconds,
      state: `image.json unchanged, tags unchanged, ${left.length} dead compile container (${left.join(', ') || 'none'}) recorded in interrupted-build.json`,
      rerun,
    });
  });

  it('engine down before the executors start: each of the five says which engine and how to start it, and fails at once', async () => {
    // A version to tag and push: docker-tag on the running engine writes tags.json (the plan docker-push reads).
    const tagged = await runCaptured(() => dockerTagExecutor({ engine: SECOND_ENGINE, version: '1.0.0', registry: '127.0.0.1:5999' }, context()));
    if (!tagged.result.success) throw new Error(`docker-tag failed:\n${tagged.output}`);
    const govulncheck = scannerForSpecs('govulncheck');
    const vulndb = govulncheck ? offlineGoVulnDb() : undefined;
    const stopSeconds = stopSecondEngine();
    const before = { record: recordText(root, projectRoot), plan: recordText(root, projectRoot, 'tags.json') };
    const engine = { engine: SECOND_ENGINE };
    const runs: Record<string, () => Promise<{ success: boolean }>> = {
      'docker-build': () => dockerBuildExecutor(engine, context()),
      'docker-run': () => dockerRunExecutor({ ...engine, detach: true, port: 0 }, context()),
      'docker-tag': () => dockerTagExecutor({ ...engine, version: '1.0.1', registry: '127.0.0.1:5999' }, context()),
      'docker-push': () => dockerPushExecutor({ ...engine, retries: 0 }, context()),
      ...(govulncheck ? { 'docker-scan': () => dockerScanExecutor({ ...engine, scanner: 'govulncheck', scannerPath: govulncheck, offline: true, database: vulndb }, context()) } : {}),
    };
    const timings: { executor: string; ms: number }[] = [];
    let message = '';
    try {
      for (const [executor, run] of Object.entries(runs)) {
        const started = Date.now();
        const { result, output } = await runCaptured(run);
        const tookMs = Date.now() - started;
        expect({ executor, success: result.success }).toEqual({ executor, success: false });
        const errors = output.split('\n').filter((line) => / failed for /.test(line));
        expect({ executor, errors: errors.length }).toEqual({ executor, errors: 1 });
        expect(errors[0]).toMatch(/Cannot reach the Docker engine at unix:\/\/\/var\/run\/org-go-docker2\.sock \(option\) \((ENOENT|ECONNREFUSED|EPIPE)\)\. Start Docker/);
        expect(errors[0]).toMatch(/tools\/ensure-docker\.sh.* or set the "engine" option to a running engine\.$/);
        expect({ executor, fast: tookMs < 3000 }).toEqual({ executor, fast: true });
        timings.push({ executor, ms: tookMs });
        message ||= errorOf(output);
      }
      expect(recordText(root, projectRoot)).toBe(before.record);
      expect(recordText(root, projectRoot, 'tags.json')).toBe(before.plan);
      expect(recordText(root, projectRoot, 'scan.json')).toBeUndefined();
    } finally {
      startSecondEngine();
    }
    // Started again, the same commands work: the build is a full cache hit, the tag moves.
    const rebuilt = await build();
    expect(rebuilt.result.success).toBe(true);
    const retag = await runCaptured(() => dockerTagExecutor({ engine: SECOND_ENGINE, version: '1.0.1', registry: '127.0.0.1:5999' }, context()));
    expect(retag.result.success).toBe(true);
    reportOutcome({
      case: '1. engine down before the executors start',
      injected: `tools/ensure-docker.sh --stop --second (${stopSeconds}s), then each executor with engine: ${SECOND_ENGINE}`,
      message,
      failSeconds: Math.max(...timings.map((timing) => timing.ms)) / 1000,
      state: `failed in ${timings.map((timing) => `${timing.executor} ${timing.ms} ms`).join(', ')}; image.json and tags.json unchanged, no scan.json, nothing created`,
      rerun: `engine started again: docker-build (${/cache (\d+\/\d+) steps/.exec(rebuilt.output)?.[0]}) and docker-tag succeed`,
    });
  });

  it('an engine that accepts connections but never answers: docker-build gives up after the 5 s ping timeout, naming it', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const { result, output } = await runCaptured(() => dockerBuildExecutor({ engine: `tcp://127.0.0.1:${port}` }, context()));
      const took = seconds(started);
      expect(result.success).toBe(false);
      expect(output).toMatch(new RegExp(`The Docker engine at tcp://127\\.0\\.0\\.1:${port} \\(option\\) did not answer within 5s\\. Check that Docker is running, or set the "engine" option to a running engine\\.`));
      expect(took).toBeLessThan(8);
      reportOutcome({
        case: '1b. engine hung (accepts, never answers)',
        injected: 'engine: tcp://127.0.0.1:<port> of a listener that never replies',
        message: errorOf(output),
        failSeconds: took,
        state: 'nothing sent beyond the ping',
        rerun: 'n/a (the engine is the fault)',
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => silent.close(done));
    }
  });
});
