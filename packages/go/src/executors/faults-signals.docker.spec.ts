/**
 * SIGINT and SIGTERM to `nx` itself in the middle of docker-build, in a real workspace: the generated
 * service, nx.json registering @org/go, Nx from this repository and the plugin transpiled from this
 * working tree. Ctrl-C in a terminal signals nx's whole process group; `kill <pid>` (and a CI runner
 * cancelling a job) signals nx alone. After each: nx exits at once, no build container is left (the
 * classic builder's step containers), no tag moved, image.json unchanged, none of the executors' temp
 * folders left in TMPDIR and no process left in the workspace; a re-run succeeds.
 */
import Dockerode from 'dockerode';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../docker';
import { describeDocker } from '../testing/docker';
import {
  BUILDER_IMAGE,
  buildContainersOf,
  changeSource,
  ensureImagesIn,
  executorTempDirs,
  generateService,
  linkWorkspaceModules,
  processesIn,
  recordText,
  removeTree,
  reportOutcome,
  runningCompile,
  SECOND_ENGINE,
  SECOND_SOCKET,
  seconds,
  sleep,
  spawnNx,
  startSecondEngine,
  strayFiles,
  tagsOf,
  transpilePlugin,
  waitFor,
  type NxRun,
} from './faults-kit.test';

type Target = 'group' | 'nx';

describeDocker('SIGINT and SIGTERM to nx in the middle of docker-build', () => {
  const docker = new Dockerode({ socketPath: SECOND_SOCKET });
  const name = `fault-sig-${Date.now().toString(36)}`;
  const projectRoot = `apps/${name}`;
  let root: string;
  let plugin: string;
  /** TMPDIR of every nx run here: the executors' temp folders land in it and nowhere else. */
  let tmp: string;
  const running: NxRun[] = [];

  const nxBuild = (args: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    const run = spawnNx(root, ['run', `${name}:docker-build`, `--engine=${SECOND_ENGINE}`, '--skip-nx-cache', ...args], { TMPDIR: tmp, CI: 'true', ...env });
    running.push(run);
    return run;
  };

  beforeAll(async () => {
    startSecondEngine();
    await ensureImagesIn(DockerClient.fromEnvironment(SECOND_ENGINE), [BUILDER_IMAGE]);
    root = await generateService(name);
    plugin = transpilePlugin();
    linkWorkspaceModules(root, plugin);
    tmp = mkdtempSync(join(tmpdir(), 'org-go-faults-tmp-'));
  }, 600_000);

  afterAll(async () => {
    for (const run of running) if (run.child.exitCode === null && run.child.signalCode === null) process.kill(-(run.child.pid as number), 'SIGKILL');
    for (const container of await buildContainersOf(docker, name)) await docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
    for (const image of await docker.listImages({ filters: { reference: [name] } })) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    removeTree(root);
    removeTree(join(plugin, '..'));
    removeTree(tmp);
  }, 120_000);

  /**
   * Runs `nx run <svc>:docker-build` until `ready` says the part to interrupt runs, sends `signal` (to
   * the process group, as a terminal's Ctrl-C does, or to nx alone), and checks what is left.
   */
  async function interrupt(signal: NodeJS.Signals, target: Target, ready: () => Promise<unknown>, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
    changeSource(root, name);
    const before = { record: recordText(root, projectRoot), tags: await tagsOf(docker, name) };
    const started = Date.now();
    const run = nxBuild(args, env);
    await waitFor('the part of the build to interrupt', async () => (run.child.exitCode !== null ? Promise.reject(new Error(`nx ended first:\n${run.output()}`)) : ready()), 180_000);
    const readyAfter = seconds(started);
    await sleep(1500);
    const signalAt = Date.now();
    process.kill(target === 'group' ? -(run.child.pid as number) : (run.child.pid as number), signal);
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([run.exited, new Promise<undefined>((done) => (timer = setTimeout(() => done(undefined), 60_000)))]);
    clearTimeout(timer);
    if (!exit) throw new Error(`nx did not exit within 60 s of ${signal}:\n${run.output()}`);
    const exitSeconds = Math.round((exit.atMs - signalAt) / 10) / 100;
    // The engine cancels the build when its client goes, and removes the step container (forcerm).
    const settleStarted = Date.now();
    await waitFor('the build containers to be gone', async () => (await buildContainersOf(docker, name)).length === 0 || undefined, 30_000, 200).catch(() => undefined);
    const settleSeconds = seconds(settleStarted);
    await waitFor('the processes in the workspace to end', () => processesIn(root).length === 0 || undefined, 10_000, 200).catch(() => undefined);

    expect(exit.code === 0).toBe(false);
    expect(await buildContainersOf(docker, name)).toEqual([]);
    expect(await tagsOf(docker, name)).toEqual(before.tags);
    expect(recordText(root, projectRoot)).toBe(before.record);
    expect(strayFiles(root, projectRoot, ['image.json'])).toEqual([]);
    expect(executorTempDirs(tmp)).toEqual([]);
    expect(processesIn(root)).toEqual([]);
    const lastLines = run
      .output()
      .replace(/\u001b\[[0-9;]*m/g, '')
      .trim()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-2)
      .join(' / ');
    return { before, readyAfter, exit, exitSeconds, settleSeconds, lastLines };
  }

  /** A re-run with the same command: exits 0, records the image and tags it, leaves nothing behind. */
  async function rerun(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const started = Date.now();
    const run = nxBuild(args, env);
    const exit = await run.exited;
    if (exit.code !== 0) throw new Error(`the re-run failed (exit ${exit.code ?? exit.signal}):\n${run.output()}`);
    const record = JSON.parse(recordText(root, projectRoot) as string) as { id: string };
    expect((await tagsOf(docker, name))[`${name}:latest`]).toBe(record.id);
    expect(await buildContainersOf(docker, name)).toEqual([]);
    expect(executorTempDirs(tmp)).toEqual([]);
    return `nx run ${name}:docker-build${args.length ? ` ${args.join(' ')}` : ''} exits 0 in ${seconds(started)}s, image recorded and tagged`;
  }

  it('with no engine at all, `nx run <svc>:docker-build` exits 1 at once, saying which engine and how to start it', async () => {
    const started = Date.now();
    const run = spawnNx(root, ['run', `${name}:docker-build`, '--engine=unix:///var/run/org-go-no-engine.sock', '--skip-nx-cache'], { TMPDIR: tmp, CI: 'true' });
    running.push(run);
    const exit = await run.exited;
    const took = seconds(started);
    expect(exit.code).toBe(1);
    expect(run.output()).toMatch(/Cannot reach the Docker engine at unix:\/\/\/var\/run\/org-go-no-engine\.sock \(option\) \(ENOENT\)\. Start Docker .* or set the "engine" option to a running engine\./);
    expect(recordText(root, projectRoot)).toBeUndefined();
    reportOutcome({
      case: '1c. engine down, through nx',
      injected: 'nx run <svc>:docker-build --engine=unix:///var/run/org-go-no-engine.sock (no such socket)',
      message: run.output().replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((line) => /failed for/.test(line))?.trim() ?? '',
      failSeconds: took,
      state: 'nx exits 1; nothing written',
      rerun: 'n/a',
    });
  });

  /** The host `go build` of prebuilt mode runs (cold, with a Go build cache of its own) in the workspace. */
  const hostCompile = () => Promise.resolve(processesIn(root).some((line) => / go build /.test(` ${line} `) || /\/compile /.test(line)) || undefined);

  const prebuilt = (signal: NodeJS.Signals, target: Target, caseName: string) => async () => {
    const coldCache = mkdtempSync(join(tmpdir(), 'org-go-faults-gocache-'));
    try {
      const result = await interrupt(signal, target, hostCompile, ['--mode=prebuilt'], { GOCACHE: coldCache });
      // The re-run with the machine's own Go build cache.
      const again = await rerun(['--mode=prebuilt']);
      reportOutcome({
        case: caseName,
        injected: `${signal} to ${target === 'group' ? "nx's process group (Ctrl-C)" : 'the nx process alone'} 1.5s into the host go build of prebuilt mode (cold GOCACHE)`,
        message: `nx exits ${result.exit.code ?? result.exit.signal}; last lines: ${result.lastLines}`,
        failSeconds: result.exitSeconds,
        state: `no org-go-prebuilt-* nor go-build* folder left in TMPDIR, no go process left, image.json ${result.before.record ? 'unchanged' : 'not written'}, no tag moved`,
        rerun: again,
      });
    } finally {
      removeTree(coldCache);
    }
  };

  it('SIGINT to nx\'s process group (Ctrl-C) during the host go build of prebuilt mode: its temp folder goes too', prebuilt('SIGINT', 'group', '5c. SIGINT to nx (Ctrl-C) during a prebuilt build'));

  it('SIGTERM to the nx process during the host go build of prebuilt mode', prebuilt('SIGTERM', 'nx', '5d. SIGTERM to nx during a prebuilt build'));

  // The multistage cases share one re-run (each uncached compile in the engine costs ~45 s): a signal
  // leaves the engine and the workspace as they were, so the re-run after both shows the re-run after each.
  const interrupted: { caseName: string; signal: NodeJS.Signals; target: Target; result: Awaited<ReturnType<typeof interrupt>> }[] = [];
  const multistage = (signal: NodeJS.Signals, target: Target, caseName: string) => async () => {
    interrupted.push({ caseName, signal, target, result: await interrupt(signal, target, () => runningCompile(docker, name)) });
  };

  it('SIGINT to nx\'s process group (Ctrl-C) during the Go compile step of a multistage build', multistage('SIGINT', 'group', '5a. SIGINT to nx (Ctrl-C) during a multistage build'));

  it('SIGTERM to the nx process during the Go compile step of a multistage build', multistage('SIGTERM', 'nx', '5b. SIGTERM to nx during a multistage build'));

  it('after both signals, the same nx command builds, records and tags the image', async () => {
    expect(interrupted.map((entry) => entry.signal)).toEqual(['SIGINT', 'SIGTERM']);
    const again = await rerun();
    for (const { caseName, signal, target, result } of interrupted) {
      reportOutcome({
        case: caseName,
        injected: `${signal} to ${target === 'group' ? "nx's process group (Ctrl-C in a terminal)" : 'the nx process alone (kill <pid>)'} ${result.readyAfter + 1.5}s into the build, 1.5s into the Go compile step`,
        message: `nx exits ${result.exit.code ?? result.exit.signal}; last lines: ${result.lastLines}`,
        failSeconds: result.exitSeconds,
        state: `the engine cancelled the build and removed its step container (gone ${result.settleSeconds}s after the signal); image.json ${result.before.record ? 'unchanged' : 'not written'}; no tag moved; no process left`,
        rerun: `after 5a and 5b: ${again}`,
      });
    }
  });
});
