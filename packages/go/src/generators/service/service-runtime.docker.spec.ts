/**
 * The generated service as production runs it, on a real engine: locked down (read-only root filesystem,
 * every capability dropped, no-new-privileges, non-root), under load, and stopped under load the way
 * `docker stop` and Kubernetes stop it. Correctness only; throughput figures come from
 * tools/bench/service-load.mjs.
 */
import Dockerode from 'dockerode';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DockerClient } from '../../docker';
import { dockerBuildExecutor } from '../../executors/docker-build/docker-build';
import { findFreePort } from '../../executors/docker-run/lib/ports';
import { describeDocker } from '../../testing/docker';
import { runLoad, watchReadiness } from '../../testing/http-load';
import { runCaptured } from '../../testing/logs';
import { executorContext, generateWorkspace } from '../../testing/workspace';
import { detectGoVersion } from '../../utils/go-version';
import type { ImageMetadata } from '../../utils/image-metadata';
import { serviceGenerator } from './service';

const HARDENED = { ReadonlyRootfs: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] };

describeDocker('the generated service, locked down, under load and shutdown', () => {
  const docker = new Dockerode();
  const client = DockerClient.fromEnvironment();
  const name = `rt-${Date.now().toString(36)}`;
  const projectRoot = `apps/${name}`;
  let root: string;
  let imageId: string;
  let port: number;
  let container: Dockerode.Container;
  const base = () => `http://127.0.0.1:${port}`;

  const waitHealthy = async (timeoutMs = 60_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const state = (await container.inspect()).State;
      if (state.Health?.Status === 'healthy') return;
      if (!state.Running) throw new Error(`the container exited (${state.ExitCode}) before it was healthy`);
      if (Date.now() > until) throw new Error(`not healthy within ${timeoutMs} ms: ${state.Health?.Status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    root = await generateWorkspace((tree) => serviceGenerator(tree, { name, goVersion: detectGoVersion() }));
    const { result, output } = await runCaptured(() => dockerBuildExecutor({}, executorContext(root, name, projectRoot), client));
    if (!result.success) throw new Error(`docker-build failed:\n${output}`);
    imageId = (JSON.parse(readFileSync(join(root, 'dist', projectRoot, 'docker', 'image.json'), 'utf8')) as ImageMetadata).id;
    port = await findFreePort('127.0.0.1');
    container = await docker.createContainer({
      Image: imageId,
      name: `${name}-hardened`,
      Env: ['SHUTDOWN_DELAY=2s', 'SHUTDOWN_TIMEOUT=10s', 'LOG_LEVEL=warn'],
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { ...HARDENED, PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
      StopTimeout: 15,
    });
    await container.start();
    await waitHealthy();
  }, 600_000);

  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => undefined);
    await docker.getImage(imageId).remove({ force: true }).catch(() => undefined);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('runs as non-root with a read-only root filesystem, no capabilities and no-new-privileges, and is healthy', async () => {
    const info = await container.inspect();
    expect(info.Config.User).toBe('65532:65532');
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(info.State.Health?.Status).toBe('healthy'); // the self-probe needs no shell and writes nothing
  });

  it('has no shell and no package manager inside', async () => {
    for (const path of ['/bin/sh', '/bin/bash', '/usr/bin/apt-get', '/sbin/apk', '/usr/bin/dpkg', '/bin/busybox']) {
      await expect(container.getArchive({ path })).rejects.toMatchObject({ statusCode: 404 });
    }
  });

  it('answers every request under load (closed loop, 32 connections, 4 s)', async () => {
    const result = await runLoad({ url: `${base()}/v1/info`, concurrency: 32, durationMs: 4000 });
    expect(result.errorSamples).toEqual([]);
    expect(result).toMatchObject({ errors: 0, non2xx: 0 });
    expect(result.ok).toBe(result.sent);
    expect(result.ok).toBeGreaterThan(100);
  });

  it('docker stop under load: readiness flips first, every request sent is answered, exit 0 within the grace period', async () => {
    const readiness = watchReadiness(`${base()}/readyz`, 100);
    // Like a load balancer: no new requests once the instance reports not ready.
    const load = runLoad({ url: `${base()}/v1/info`, concurrency: 16, durationMs: 30_000, stopIssuing: () => readiness.notReadyAt() !== undefined });
    await new Promise((r) => setTimeout(r, 1500));
    const stopAsked = Date.now();
    await container.stop({ t: 15 }); // SIGTERM, SIGKILL after 15 s
    const stopped = Date.now();
    const result = await load;
    readiness.stop();
    const state = (await container.inspect()).State;

    expect(readiness.notReadyAt()).toBeDefined();
    expect(readiness.notReadyAt()!).toBeLessThan(stopped);
    expect(result.errorSamples).toEqual([]);
    expect(result.errors).toBe(0); // 0 dropped
    expect(result.ok).toBe(result.sent);
    expect(state.ExitCode).toBe(0);
    expect(state.OOMKilled).toBe(false);
    expect(stopped - stopAsked).toBeLessThan(15_000); // it ended itself, SIGKILL was not needed
    // eslint-disable-next-line no-console
    console.log(`docker stop under load: ${result.ok}/${result.sent} answered, ${result.errors} dropped, stopped in ${((stopped - stopAsked) / 1000).toFixed(1)} s, not ready after ${readiness.notReadyAt()! - stopAsked} ms`);
  });
});
