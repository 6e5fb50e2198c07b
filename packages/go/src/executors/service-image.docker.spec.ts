/**
 * The whole slice on a real Docker engine: a generated service passes its Go checks, docker-build
 * builds and tags its image, docker-run runs it until healthy, and cleans up after itself.
 */
import Dockerode from 'dockerode';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demuxBuffer, DockerClient } from '../docker';
import { libraryGenerator } from '../generators/library/library';
import { serviceGenerator } from '../generators/service/service';
import { describeDocker } from '../testing/docker';
import { captureLogs } from '../testing/logs';
import { executorContext, generateWorkspace } from '../testing/workspace';
import { LABEL_RUN } from '../utils/constants';
import { detectGoVersion } from '../utils/go-version';
import type { ImageMetadata } from '../utils/image-metadata';
import { dockerBuildExecutor } from './docker-build/docker-build';
import { findFreePort } from './docker-run/lib/ports';
import { dockerRunExecutor } from './docker-run/docker-run';
import { httpStatus } from '../testing/http-load';

describeDocker('a generated service on a real Docker engine', () => {
  const docker = new Dockerode();
  const client = DockerClient.fromEnvironment();
  const name = `itest-${Date.now().toString(36)}`;
  const projectRoot = `apps/${name}`;
  let root: string;
  let serviceDir: string;

  const removeLeftovers = async () => {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${name}`] } });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    const images = await docker.listImages({ filters: { reference: [`${name}`] } });
    await Promise.all(images.map((image) => docker.getImage(image.Id).remove({ force: true }).catch(() => undefined)));
  };

  beforeAll(async () => {
    root = await generateWorkspace(async (tree) => {
      await serviceGenerator(tree, { name, goVersion: detectGoVersion() });
      await libraryGenerator(tree, { name: 'money', goVersion: detectGoVersion() });
    });
    serviceDir = join(root, projectRoot);
    // The service uses the library through go.work: its image must be built with it.
    const libModule = /^module (\S+)$/m.exec(readFileSync(join(root, 'libs/money/go.mod'), 'utf8'))?.[1];
    writeFileSync(
      join(serviceDir, 'internal/server/label.go'),
      `package server\n\nimport "${libModule}"\n\n// Label is a tidy display label.\nfunc Label(s string) string { return money.Normalize(s) }\n`,
    );
  });

  afterAll(async () => {
    await removeLeftovers();
    rmSync(root, { recursive: true, force: true });
  });

  it('is gofmt-clean, go vet clean and passes go test -race as generated', () => {
    expect(execFileSync('gofmt', ['-l', '.'], { cwd: serviceDir, encoding: 'utf8' })).toBe('');
    execFileSync('go', ['vet', './...'], { cwd: serviceDir, stdio: 'pipe' });
    const out = execFileSync('go', ['test', '-race', '-count=1', './...'], { cwd: serviceDir, encoding: 'utf8' });
    expect(out).toMatch(/^ok\s+\S+\/cmd\//m);
    expect(out).not.toMatch(/FAIL/);
  });

  it('docker-build builds, tags and records the image', async () => {
    const logs = captureLogs();
    let result: { success: boolean };
    try {
      result = await dockerBuildExecutor({}, executorContext(root, name, projectRoot), client);
    } finally {
      logs.restore();
    }
    expect(logs.text()).toMatch(/Step 1\/\d+ : ARG BUILDER_IMAGE/);
    expect(result.success).toBe(true);
    expect(logs.text()).toContain('Adding the workspace modules it imports: libs/money');

    const metadata = JSON.parse(readFileSync(join(root, 'dist', projectRoot, 'docker', 'image.json'), 'utf8')) as ImageMetadata;
    expect(metadata.projectName).toBe(name);
    expect(metadata.tags).toEqual([`${name}:latest`]); // the temp workspace is not a git repository: no sha tag
    expect(logs.text()).toContain(`Skipping tag "{projectName}:{gitSha}": no value for {gitSha}`);
    const image = await docker.getImage(`${name}:latest`).inspect();
    expect(image.Id).toBe(metadata.id);
    expect(metadata.size).toBe(image.Size);
    expect(image.Config.Labels['org.opencontainers.image.title']).toBe(name);
    expect(image.Config.Labels['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(image.Config.User).toBe('65532:65532');
    expect(image.Config.Healthcheck?.Test).toEqual(['CMD', `/${name}`, 'healthcheck']);
    // The context honoured .dockerignore: the sources went, tests and scripts stayed home.
    expect(metadata.contextFiles).toBeGreaterThan(5);
    // The binary reports the version docker-build passed in.
    const versionRun = await docker.createContainer({ Image: image.Id, Cmd: ['version'] });
    try {
      await versionRun.start();
      await versionRun.wait();
      const output = (await versionRun.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      expect(demuxBuffer(output)).toContain(`${name} dev`);
    } finally {
      await versionRun.remove({ force: true });
    }
    // eslint-disable-next-line no-console
    console.log(`image ${name}: ${(image.Size / 1024 / 1024).toFixed(2)} MiB, built in ${metadata.buildSeconds.toFixed(1)}s`);
  });

  it('docker-run --detach returns once healthy, and the service answers its probes', async () => {
    const port = await findFreePort('127.0.0.1');
    const logs = captureLogs();
    let result: { success: boolean };
    try {
      result = await dockerRunExecutor({ detach: true, port }, executorContext(root, name, projectRoot), client);
    } finally {
      logs.restore();
    }
    expect(result.success).toBe(true);
    expect(logs.text()).toContain(`http://127.0.0.1:${port} (container ${name}-dev)`);

    expect(await httpStatus(`http://127.0.0.1:${port}/healthz`)).toBe(200);
    expect(await httpStatus(`http://127.0.0.1:${port}/readyz`)).toBe(200);
    const container = docker.getContainer(`${name}-dev`);
    const info = await container.inspect();
    expect(info.State.Health?.Status).toBe('healthy');
    expect(info.Config.User).toBe('65532:65532');

    await container.stop({ t: 10 });
    const stopped = await container.inspect();
    expect(stopped.State.ExitCode).toBe(0); // graceful shutdown on SIGTERM
    await container.remove();
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('docker-run in the foreground streams logs until stopped, then removes the container', async () => {
    // A real Ctrl-C to `nx run …:docker-run` is covered end to end (e2e); here the executor's stop signal.
    const port = await findFreePort('127.0.0.1');
    const logs = captureLogs();
    const stop = new AbortController();
    const running = dockerRunExecutor({ port, name: `${name}-fg` }, executorContext(root, name, projectRoot), client, stop.signal);
    try {
      const deadline = Date.now() + 90_000;
      while (!logs.text().includes(`http://127.0.0.1:${port}`) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await httpStatus(`http://127.0.0.1:${port}/readyz`)).toBe(200);
      stop.abort();
      await expect(running).resolves.toEqual({ success: true });
    } finally {
      logs.restore();
    }
    expect(logs.text()).toMatch(/"msg":"listening"/); // the service's own logs were streamed
    expect(logs.text()).toContain(`Removed ${name}-fg.`);
    await expect(docker.getContainer(`${name}-fg`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('docker-run fails with the last log lines when the service exits, and leaves no container', async () => {
    writeFileSync(join(serviceDir, '.env.broken'), 'PORT=not-a-port\n');
    const logs = captureLogs();
    let result: { success: boolean };
    try {
      result = await dockerRunExecutor(
        { envFile: '.env.broken', name: `${name}-bad`, port: 0, healthTimeout: 30 },
        executorContext(root, name, projectRoot),
        client,
      );
    } finally {
      logs.restore();
    }
    expect(result.success).toBe(false);
    expect(logs.text()).toMatch(new RegExp(`Container ${name}-bad exited with code 1`));
    expect(logs.text()).toMatch(/Last log lines:[\s\S]*PORT/);
    await expect(docker.getContainer(`${name}-bad`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('docker-build moves no tag when the build fails', async () => {
    const before = await docker.getImage(`${name}:latest`).inspect();
    const dockerfile = join(serviceDir, 'Dockerfile.broken');
    writeFileSync(dockerfile, 'FROM scratch\nCOPY does-not-exist /x\n');
    const logs = captureLogs();
    let result: { success: boolean };
    try {
      result = await dockerBuildExecutor({ dockerfile: 'Dockerfile.broken' }, executorContext(root, name, projectRoot), client);
    } finally {
      logs.restore();
    }
    expect(result.success).toBe(false);
    expect(logs.text()).toMatch(/docker-build failed for .*does-not-exist/);
    expect((await docker.getImage(`${name}:latest`).inspect()).Id).toBe(before.Id);
    const metadata = JSON.parse(readFileSync(join(root, 'dist', projectRoot, 'docker', 'image.json'), 'utf8')) as ImageMetadata;
    expect(metadata.id).toBe(before.Id);
  });

  it('docker-run says which target to run when the recorded image is gone', async () => {
    const file = join(root, 'dist', projectRoot, 'docker', 'image.json');
    const metadata = JSON.parse(readFileSync(file, 'utf8')) as ImageMetadata;
    writeFileSync(file, JSON.stringify({ ...metadata, id: `sha256:${'0'.repeat(64)}` }));
    const logs = captureLogs();
    let result: { success: boolean };
    try {
      result = await dockerRunExecutor({ port: 0 }, executorContext(root, name, projectRoot), client);
    } finally {
      logs.restore();
      writeFileSync(file, JSON.stringify(metadata));
    }
    expect(result.success).toBe(false);
    expect(logs.text()).toMatch(new RegExp(`is not in the Docker engine .*Run "nx run ${name}:docker-build --skip-nx-cache"`));
    expect(existsSync(file)).toBe(true);
  });
});

describe('executors with no engine to talk to', () => {
  const unreachable = new DockerClient(new Dockerode({ socketPath: '/tmp/org-go-no-such-engine.sock' }), 'unix:///tmp/org-go-no-such-engine.sock');

  it('docker-build fails within seconds naming the socket and how to start Docker', async () => {
    const root = await generateWorkspace((tree) => serviceGenerator(tree, { name: 'offline', goVersion: '1.26' }));
    const logs = captureLogs();
    const started = Date.now();
    let result: { success: boolean };
    try {
      result = await dockerBuildExecutor({}, executorContext(root, 'offline', 'apps/offline'), unreachable);
    } finally {
      logs.restore();
      rmSync(root, { recursive: true, force: true });
    }
    expect(result.success).toBe(false);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(logs.text()).toMatch(/Cannot reach the Docker engine at unix:\/\/\/tmp\/org-go-no-such-engine.sock \(ENOENT\)\. Start Docker/);
  });
});
