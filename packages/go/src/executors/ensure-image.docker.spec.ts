/**
 * The cache-replay rule on real engines: an executor that consumes the image recorded in image.json
 * uses it when it is there, pulls it back by digest from a real local registry when it was pushed (also
 * after Nx restored image.json from docker-build's cache entry, and on a runner with no record of the
 * push at all, by finding the image's tag in the registry), rebuilds it (saying why) when it was never
 * pushed, and, on a second engine with its own data root, pulls by digest what engine A built and pushed.
 */
import Dockerode from 'dockerode';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DockerClient } from '../docker';
import { describeDocker } from '../testing/docker';
import { runCaptured } from '../testing/logs';
import { startTestRegistry, type TestRegistry } from '../testing/registry';
import { createReleaseWorkspace, type ReleaseWorkspace } from '../testing/release-workspace';
import { LABEL_INPUTS_HASH } from '../utils/constants';
import { readImageMetadata, type ImageMetadata } from '../utils/image-metadata';
import { dockerPushExecutor } from './docker-push/docker-push';
import { dockerRunExecutor } from './docker-run/docker-run';
import { dockerTagExecutor } from './docker-tag/docker-tag';

const SECOND_SOCKET = '/var/run/org-go-docker2.sock';
const ENSURE_DOCKER = resolve(__dirname, '../../../../tools/ensure-docker.sh');

describeDocker('ensuring the recorded image on real engines', () => {
  const client = DockerClient.fromEnvironment();
  const name = `ensurespec-${Date.now().toString(36)}`;
  const repository = `orggo-test/${name}`;
  let registry: TestRegistry;
  let ws: ReleaseWorkspace;
  let home: string;
  const rebuilt: string[] = [];

  /** The executors' environment: a Docker config of their own (the open registry needs no credentials). */
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, DOCKER_CONFIG: join(home, '.docker') });
  const tag = (c: DockerClient = client) => runCaptured(() => dockerTagExecutor({ registry: registry.host, repository, version: '1.0.0' }, ws.context, c, env()));
  const dockerDir = () => join(ws.root, 'dist', ws.projectRoot, 'docker');
  const imageJson = () => JSON.parse(readFileSync(join(dockerDir(), 'image.json'), 'utf8')) as ImageMetadata;
  /** What the executors read: image.json with docker-push's record of the same image (push.json). */
  const recorded = () => readImageMetadata(ws.root, ws.projectRoot, ws.projectName);
  /** The tags of our repository in an engine, and the image each points at. */
  const engineTags = async (docker: Dockerode): Promise<Record<string, string>> => {
    const refs: Record<string, string> = {};
    const prefix = `${registry.host}/${repository}:`;
    for (const image of await docker.listImages({ filters: { reference: [`${registry.host}/${repository}`] } })) {
      for (const ref of image.RepoTags ?? []) if (ref.startsWith(prefix)) refs[ref.slice(prefix.length)] = image.Id;
    }
    return refs;
  };
  const docker = new Dockerode();

  beforeAll(async () => {
    registry = await startTestRegistry();
    ws = await createReleaseWorkspace(client, name);
    home = mkdtempSync(join(tmpdir(), 'org-go-home-'));
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), '{}');
  });
  afterAll(async () => {
    for (const id of rebuilt) await client.removeImage(id, true);
    await registry?.dispose();
    await ws?.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  let pushed: string;
  let repoDigest: string;

  it('uses the recorded image when it is in the engine', async () => {
    pushed = await ws.build();
    const { result, output } = await tag();
    expect(result.success).toBe(true);
    expect(output).not.toMatch(/pulled|rebuilding/);
    expect((await engineTags(docker))['1.0.0']).toBe(pushed);
  });

  it('pulls a pushed image back by digest when it was removed, then docker-tag tags it', async () => {
    const built = readFileSync(join(dockerDir(), 'image.json'), 'utf8');
    const { result: pushResult } = await runCaptured(() => dockerPushExecutor({ retryDelay: 0.1 }, ws.context, client, env()));
    expect(pushResult.success).toBe(true);
    // docker-build's cached output stays as docker-build wrote it; the push is recorded beside it.
    expect(readFileSync(join(dockerDir(), 'image.json'), 'utf8')).toBe(built);
    expect(JSON.parse(readFileSync(join(dockerDir(), 'push.json'), 'utf8'))).toMatchObject({ projectName: ws.projectName, id: pushed });
    repoDigest = recorded().repoDigests?.[0] as string;
    expect(repoDigest).toMatch(new RegExp(`^${registry.host}/${repository}@sha256:[0-9a-f]{64}$`));

    await client.removeImage(pushed, true);
    expect(await client.inspectImage(pushed)).toBeUndefined();
    const { result, output } = await tag();
    expect(result.success).toBe(true);
    expect(output).toContain(`pulled ${repoDigest} (the recorded image was not in this engine; digest from the push record)`);
    expect(await client.inspectImage(pushed)).toBeDefined();
    expect(await engineTags(docker)).toEqual({ '1.0.0': pushed, '1.0': pushed, '1': pushed, latest: pushed, [`sha-${ws.git('rev-parse', '--short=7', 'HEAD')}`]: pushed });
  });

  it('docker-push pulls it back too, puts the planned tags back on it and finds the registry up to date', async () => {
    await client.removeImage(pushed, true);
    const { result, output } = await runCaptured(() => dockerPushExecutor({ retryDelay: 0.1 }, ws.context, client, env()));
    expect(result.success).toBe(true);
    expect(output).toContain(`pulled ${repoDigest} (the recorded image was not in this engine; digest from the push record)`);
    expect(output).toContain('0 pushed, 5 already up to date');
    expect((await engineTags(docker))['1.0.0']).toBe(pushed);
  });

  it('after Nx replays docker-build (image.json restored as docker-build wrote it), the push record still leads to the pull', async () => {
    const built = readFileSync(join(dockerDir(), 'image.json'), 'utf8');
    // What a cache replay does: image.json is written back from the cache entry; push.json is not an output of docker-build.
    rmSync(join(dockerDir(), 'image.json'));
    writeFileSync(join(dockerDir(), 'image.json'), built);
    await client.removeImage(pushed, true);
    const { result, output } = await tag();
    expect(result.success).toBe(true);
    expect(output).toContain(`pulled ${repoDigest} (the recorded image was not in this engine; digest from the push record)`);
    expect(output).not.toContain('rebuilding');
    expect((await engineTags(docker))['1.0.0']).toBe(pushed);
  });

  it('on a runner with no record of the push (only image.json), finds the image by its tags in the registry and pulls it by digest', async () => {
    rmSync(join(dockerDir(), 'push.json'));
    rmSync(join(dockerDir(), 'tags.json'));
    await client.removeImage(pushed, true);
    const { result, output } = await tag();
    expect(result.success).toBe(true);
    expect(output).toContain(`pulled ${repoDigest} (the recorded image was not in this engine; found in the registry as ${registry.host}/${repository}:`);
    expect(output).not.toContain('rebuilding');
    expect((await client.inspectImage(pushed))?.Id).toBe(pushed);
  });

  it('looks at the repository\'s other tags too: a later version tag is all that holds the image', async () => {
    // docker-tag plans 9.9.9 now, which the registry does not have; 1.0.0 (pushed before) holds the image.
    await client.removeImage(pushed, true);
    const { result, output } = await runCaptured(() => dockerTagExecutor({ registry: registry.host, repository, version: '9.9.9' }, ws.context, client, env()));
    expect(result.success).toBe(true);
    const found = `pulled ${repoDigest} (the recorded image was not in this engine; found in the registry as ${registry.host}/${repository}:`;
    expect(output).toContain(found);
    expect(output.split(found)[1].split(')')[0]).toMatch(/^(1\.0\.0|1\.0|1|latest|sha-[0-9a-f]{7})$/);
    expect((await engineTags(docker))['9.9.9']).toBe(pushed);
  });

  it('pulls nothing that is not the recorded image: with no tag holding it, it rebuilds and says where it looked', async () => {
    // A record of an image no registry has (the same build, relabelled): nothing to find, so a rebuild.
    const other = `sha256:${'0'.repeat(64)}`;
    writeFileSync(join(dockerDir(), 'image.json'), JSON.stringify({ ...imageJson(), id: other }));
    rmSync(join(dockerDir(), 'tags.json'), { force: true });
    const before = (await docker.listImages()).length;
    const { result, output } = await runCaptured(() =>
      dockerTagExecutor(
        { registry: registry.host, repository, version: '9.9.8' },
        { ...ws.context, projectsConfigurations: { version: 2, projects: { [name]: { root: ws.projectRoot, name, targets: {} } } } } as typeof ws.context,
        client,
        env(),
      ),
    );
    expect(result.success).toBe(false);
    expect(output).toContain(`the recorded image ${other} is not in this engine, has no push record here, and no tag of its registry repositories holds it; rebuilding`);
    expect((await docker.listImages()).length).toBe(before);
    writeFileSync(join(dockerDir(), 'image.json'), JSON.stringify({ ...imageJson(), id: pushed }));
    expect(existsSync(join(dockerDir(), 'push.json'))).toBe(false);
  });

  it('rebuilds an image that was removed and never pushed, says why, and records the Nx inputs hash', async () => {
    const local = await ws.build();
    await client.removeImage(local, true);
    const hash = `hash-${Date.now().toString(36)}`;
    const context = {
      ...ws.context,
      projectsConfigurations: {
        version: 2,
        projects: {
          [name]: { root: ws.projectRoot, name, targets: { 'docker-build': { executor: '@org/go:docker-build', options: { tags: [`${name}:latest`], quiet: true } } } },
        },
      },
      taskGraph: { roots: [], dependencies: {}, continuousDependencies: {}, tasks: { [`${name}:docker-build`]: { id: `${name}:docker-build`, hash } } },
    } as unknown as typeof ws.context;
    const { result, output } = await runCaptured(() => dockerTagExecutor({ registry: registry.host, repository, version: '1.0.1' }, context, client, env()));
    const metadata = imageJson();
    if (metadata.id !== local) rebuilt.push(metadata.id);
    expect(result.success).toBe(true);
    expect(output).toContain(`the recorded image ${local} is not in this engine, has no push record here, and no tag of its registry repositories holds it; rebuilding`);
    expect(metadata.id).not.toBe(local);
    expect(metadata.inputsHash).toBe(hash);
    const image = await client.inspectImage(metadata.id);
    expect(image?.Config?.Labels?.[LABEL_INPUTS_HASH]).toBe(hash);
    expect((await engineTags(docker))['1.0.1']).toBe(metadata.id);
  });

  describe('a second engine with its own data root', () => {
    const second = new DockerClient(new Dockerode({ socketPath: SECOND_SOCKET }), `unix://${SECOND_SOCKET}`);
    const secondDocker = new Dockerode({ socketPath: SECOND_SOCKET });

    beforeAll(() => {
      // Idempotent: answers at once when engine B already runs.
      execFileSync('bash', [ENSURE_DOCKER, '--second'], { stdio: 'pipe', timeout: 90_000 });
    });
    afterAll(async () => {
      if (pushed) await second.removeImage(pushed, true);
    });

    it('pulls by digest what engine A built and pushed, and tags it there', async () => {
      // The records of engine A's build and push, as a copy of the workspace with its Nx cache has them.
      const { repoDigests: _none, ...built } = imageJson();
      writeFileSync(join(dockerDir(), 'image.json'), JSON.stringify({ ...built, id: pushed }));
      writeFileSync(join(dockerDir(), 'push.json'), JSON.stringify({ projectName: ws.projectName, id: pushed, repoDigests: [repoDigest], digests: {}, pushedAt: new Date().toISOString() }));
      await second.removeImage(pushed, true);
      expect(await second.inspectImage(pushed)).toBeUndefined();
      expect(await client.inspectImage(pushed)).toBeDefined(); // nothing removed on engine A

      const started = Date.now();
      const { result, output } = await tag(second);
      expect(result.success).toBe(true);
      expect(output).toContain(`pulled ${repoDigest} (the recorded image was not in this engine; digest from the push record) into unix://${SECOND_SOCKET}`);
      expect((await second.inspectImage(pushed))?.Id).toBe(pushed);
      expect((await engineTags(secondDocker))['1.0.0']).toBe(pushed);
      expect(Date.now() - started).toBeLessThan(60_000);
    });

    it('docker-run on engine B pulls by digest what engine A built and pushed, and runs it until it accepts connections', async () => {
      const runWs = await createReleaseWorkspace(client, `${name}-run`);
      const container = `${runWs.projectName}-dev`;
      let image: string | undefined;
      try {
        // A runnable image: a static Go binary that accepts connections on 8080, FROM scratch.
        runWs.commit('.gitignore', 'dist/\npayload\nserver\n', 'chore: ignore the binary');
        runWs.commit(`${runWs.projectRoot}/Dockerfile`, 'FROM scratch\nCOPY server /server\nCOPY payload /payload\nEXPOSE 8080\nENTRYPOINT ["/server"]\n', 'feat: a server');
        const src = mkdtempSync(join(tmpdir(), 'org-go-srv-'));
        writeFileSync(join(src, 'go.mod'), 'module example.com/srv\n\ngo 1.22\n');
        writeFileSync(
          join(src, 'main.go'),
          'package main\n\nimport "net"\n\nfunc main() {\n\tl, err := net.Listen("tcp", ":8080")\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tfor {\n\t\tif c, err := l.Accept(); err == nil {\n\t\t\tc.Close()\n\t\t}\n\t}\n}\n',
        );
        execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', join(runWs.root, runWs.projectRoot, 'server'), '.'], {
          cwd: src,
          env: { ...process.env, CGO_ENABLED: '0', GOOS: 'linux' },
          stdio: 'pipe',
        });
        rmSync(src, { recursive: true, force: true });
        image = await runWs.build();
        const tagged = await runCaptured(() => dockerTagExecutor({ registry: registry.host, repository: `orggo-test/${runWs.projectName}`, version: '1.0.0' }, runWs.context, client, env()));
        expect(tagged.result.success).toBe(true);
        const pushedRun = await runCaptured(() => dockerPushExecutor({ retryDelay: 0.1 }, runWs.context, client, env()));
        expect(pushedRun.result.success).toBe(true);
        const digestRef = readImageMetadata(runWs.root, runWs.projectRoot, runWs.projectName).repoDigests?.[0] as string;
        expect(digestRef).toMatch(/@sha256:[0-9a-f]{64}$/);
        expect(await second.inspectImage(image)).toBeUndefined();
        // Engine B's runner has docker-build's record and the tag plan, not the push record: it finds the image by its tags.
        rmSync(join(runWs.root, 'dist', runWs.projectRoot, 'docker', 'push.json'));

        const started = Date.now();
        const { result, output } = await runCaptured(() => dockerRunExecutor({ detach: true, port: 0, healthTimeout: 30 }, runWs.context, second));
        expect(output).toContain(`pulled ${digestRef} (the recorded image was not in this engine; found in the registry as ${registry.host}/orggo-test/${runWs.projectName}:`);
        expect(output).toContain(`) into unix://${SECOND_SOCKET}`);
        expect(result.success).toBe(true);
        expect(output).toContain(`${runWs.projectName} is accepting connections`);
        const info = await secondDocker.getContainer(container).inspect();
        expect(info.State.Running).toBe(true);
        expect(info.Image).toBe(image);
        expect(Date.now() - started).toBeLessThan(60_000);
      } finally {
        await second.stopAndRemoveContainer(container, 0).catch(() => undefined);
        if (image) await second.removeImage(image, true);
        await runWs.cleanup();
      }
    });
  });
});
