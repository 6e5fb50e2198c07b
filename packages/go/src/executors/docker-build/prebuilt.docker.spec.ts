/**
 * docker-build `mode: prebuilt` on a real engine: the binary compiled on the host, the image assembled
 * and loaded without a Dockerfile build. The image runs and answers its probes, and the same sources
 * give the same image id from another checkout path with an empty Go build cache.
 */
import Dockerode from 'dockerode';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demuxBuffer, DockerClient } from '../../docker';
import { serviceGenerator } from '../../generators/service/service';
import { describeDocker } from '../../testing/docker';
import { captureLogs } from '../../testing/logs';
import { executorContext, generateWorkspace } from '../../testing/workspace';
import { LABEL_RUN, RUNTIME_IMAGES } from '../../utils/constants';
import { detectGoVersion } from '../../utils/go-version';
import type { ImageMetadata } from '../../utils/image-metadata';
import { dockerRunExecutor } from '../docker-run/docker-run';
import { findFreePort } from '../docker-run/lib/ports';
import { dockerBuildExecutor } from './docker-build';
import type { DockerBuildExecutorSchema } from './schema';
import { httpStatus } from '../../testing/http-load';

type Recorded = ImageMetadata & { mode?: string };

/** Runs docker-build with `env` set (GOCACHE, SOURCE_DATE_EPOCH) and its output captured. */
async function build(
  client: DockerClient,
  root: string,
  name: string,
  options: DockerBuildExecutorSchema,
  env: Record<string, string | undefined> = {},
): Promise<{ success: boolean; output: string; record: Recorded }> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  const logs = captureLogs();
  let result: { success: boolean };
  try {
    result = await dockerBuildExecutor(options, executorContext(root, name, `apps/${name}`), client);
  } finally {
    logs.restore();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  let record = {} as Recorded;
  try {
    record = JSON.parse(readFileSync(join(root, 'dist/apps', name, 'docker/image.json'), 'utf8')) as Recorded;
  } catch {
    // no record: the build failed before writing one
  }
  return { success: result.success, output: logs.text(), record };
}

describeDocker('docker-build mode: prebuilt on a real Docker engine', () => {
  const docker = new Dockerode();
  const client = DockerClient.fromEnvironment();
  const stamp = Date.now().toString(36);
  const name = `pb${stamp}`;
  const distroless = `pbd${stamp}`;
  const temp: string[] = [];
  let root: string;

  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    temp.push(dir);
    return dir;
  };
  /** The workspace copied to a new path (another checkout of the same sources). */
  const checkout = () => {
    const dir = tempDir('org-go-checkout-');
    cpSync(root, dir, { recursive: true, filter: (source) => !source.includes('/dist') });
    return dir;
  };

  beforeAll(async () => {
    root = await generateWorkspace(async (tree) => {
      await serviceGenerator(tree, { name, goVersion: detectGoVersion() });
      await serviceGenerator(tree, { name: distroless, goVersion: detectGoVersion(), baseImage: 'distroless' });
    });
    temp.push(root);
  });

  afterAll(async () => {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${name}`] } });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    for (const reference of [name, distroless]) {
      const images = await docker.listImages({ filters: { reference: [reference] } });
      await Promise.all(images.map((image) => docker.getImage(image.Id).remove({ force: true }).catch(() => undefined)));
    }
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  });

  let first: Recorded;

  it('builds a runnable image from a host-compiled binary, with the Dockerfile settings and no build', async () => {
    const { success, output, record } = await build(client, root, name, { mode: 'prebuilt' });
    expect(output).not.toMatch(/docker-build failed/);
    expect(success).toBe(true);
    first = record;
    expect(output).toMatch(/go build \.\/cmd\/\S+ \(linux\/amd64, CGO_ENABLED=0, -trimpath\)/);
    expect(output).not.toMatch(/Step \d+\/\d+/); // no Dockerfile build ran
    expect(output).toMatch(new RegExp(`Built ${name}:latest [0-9a-f]{12} · [\\d.]+ MB · 2 layers · [\\d.]+s · archive [\\d.]+ MB sent · prebuilt, go build [\\d.]+s`));
    expect(record.mode).toBe('prebuilt');
    expect(record.tags).toEqual([`${name}:latest`]);

    const image = await docker.getImage(`${name}:latest`).inspect();
    expect(image.Id).toBe(record.id);
    expect(record.size).toBe(image.Size);
    expect(image.Created).toBe('1970-01-01T00:00:00Z');
    expect(image.Config.User).toBe('65532:65532');
    expect(image.Config.Entrypoint).toEqual([`/${name}`]);
    expect(image.Config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(image.Config.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'PORT=8080']);
    expect(image.Config.Healthcheck).toEqual({ Test: ['CMD', `/${name}`, 'healthcheck'], Interval: 5e9, Timeout: 3e9, StartPeriod: 5e9, Retries: 3 });
    expect(image.Config.Labels['org.opencontainers.image.title']).toBe(name);
    expect(image.Config.Labels['org.opencontainers.image.base.name']).toBe('scratch');
    expect(image.Config.Labels).not.toHaveProperty(['org.opencontainers.image.created']);

    // The binary reports the version docker-build stamped.
    const versionRun = await docker.createContainer({ Image: image.Id, Cmd: ['version'] });
    try {
      await versionRun.start();
      await versionRun.wait();
      const out = (await versionRun.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      expect(demuxBuffer(out)).toContain(`${name} dev`);
    } finally {
      await versionRun.remove({ force: true });
    }
  });

  it('runs until healthy and answers /healthz (docker-run)', async () => {
    const port = await findFreePort('127.0.0.1');
    const logs = captureLogs();
    let result: { success: boolean };
    try {
      result = await dockerRunExecutor({ detach: true, port }, executorContext(root, name, `apps/${name}`), client);
    } finally {
      logs.restore();
    }
    expect(result.success).toBe(true);
    try {
      expect(await httpStatus(`http://127.0.0.1:${port}/healthz`)).toBe(200);
      expect(await httpStatus(`http://127.0.0.1:${port}/readyz`)).toBe(200);
      const info = await docker.getContainer(`${name}-dev`).inspect();
      expect(info.State.Health?.Status).toBe('healthy');
    } finally {
      await docker.getContainer(`${name}-dev`).remove({ force: true });
    }
  });

  it('gives the same image id from another checkout path with an empty Go build cache', async () => {
    const a = await build(client, checkout(), name, { mode: 'prebuilt' }, { GOCACHE: tempDir('org-go-gocache-') });
    const b = await build(client, checkout(), name, { mode: 'prebuilt' }, { GOCACHE: tempDir('org-go-gocache-') });
    expect([a.success, b.success]).toEqual([true, true]);
    expect(a.record.id).toBe(first.id);
    expect(b.record.id).toBe(first.id);
    // eslint-disable-next-line no-console
    console.log(`prebuilt ${name}: image id ${first.id} from 3 builds (2 checkouts, empty GOCACHE each); ${(first.size / 1e6).toFixed(2)} MB`);
  });

  it('with SOURCE_DATE_EPOCH: that time in the config, the layers and the created label, and again the same id', async () => {
    const epoch = { SOURCE_DATE_EPOCH: '1700000000' };
    const a = await build(client, root, name, { mode: 'prebuilt' }, epoch);
    const b = await build(client, checkout(), name, { mode: 'prebuilt' }, { ...epoch, GOCACHE: tempDir('org-go-gocache-') });
    expect([a.success, b.success]).toEqual([true, true]);
    expect(a.record.id).toBe(b.record.id);
    expect(a.record.id).not.toBe(first.id);
    const image = await docker.getImage(a.record.id).inspect();
    expect(image.Created).toBe('2023-11-14T22:13:20Z');
    expect(image.Config.Labels['org.opencontainers.image.created']).toBe('2023-11-14T22:13:20Z');
    // Same binary, other times: the binary layer differs only by its mtime.
    expect(image.RootFS.Layers).toHaveLength(2);
  });

  it('on a distroless base reuses the base layers as exported and keeps its settings', async () => {
    const { success, output, record } = await build(client, root, distroless, { mode: 'prebuilt' });
    expect(output).not.toMatch(/docker-build failed/);
    expect(success).toBe(true);
    expect(output).toMatch(/base gcr\.io\/distroless\/static-debian12:nonroot: 1 layer reused as exported/);
    const base = await docker.getImage(RUNTIME_IMAGES.distroless).inspect();
    const image = await docker.getImage(record.id).inspect();
    const baseLayers = base.RootFS.Layers ?? [];
    expect(baseLayers.length).toBeGreaterThan(0);
    expect(image.RootFS.Layers?.slice(0, baseLayers.length)).toEqual(baseLayers);
    expect(image.RootFS.Layers).toHaveLength(baseLayers.length + 2);
    expect(image.Config.WorkingDir).toBe(base.Config.WorkingDir);
    expect(image.Config.Env).toEqual([...base.Config.Env, 'PORT=8080']);
    expect(image.Config.User).toBe('65532:65532');
    expect(image.Config.Labels['org.opencontainers.image.base.name']).toBe(RUNTIME_IMAGES.distroless);

    const again = await build(client, checkout(), distroless, { mode: 'prebuilt' }, { GOCACHE: tempDir('org-go-gocache-') });
    expect(again.record.id).toBe(record.id);
  });

  it('fails with the compiler output and moves no tag when the code does not compile', async () => {
    const broken = checkout();
    const before = await docker.getImage(`${name}:latest`).inspect();
    writeFileSync(join(broken, `apps/${name}/internal/server/broken.go`), 'package server\n\nfunc broken() { return 1 }\n');
    const { success, output } = await build(client, broken, name, { mode: 'prebuilt' });
    expect(success).toBe(false);
    expect(output).toMatch(/docker-build failed for .*go build .*\(exit code 1\)/);
    expect(output).toMatch(/broken\.go:3:\d+: too many return values/);
    expect((await docker.getImage(`${name}:latest`).inspect()).Id).toBe(before.Id);
  });
});
