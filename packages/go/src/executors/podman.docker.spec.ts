/**
 * The executors against Podman's Docker-compatible API (Debian's podman, `podman system service`,
 * started by tools/ensure-podman.sh): a generated service is built, run and probed, and scanned there.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DockerClient } from '../docker';
import { serviceGenerator } from '../generators/service/service';
import { describeDocker } from '../testing/docker';
import { runCaptured } from '../testing/logs';
import { executorContext, generateWorkspace } from '../testing/workspace';
import { detectGoVersion } from '../utils/go-version';
import type { ImageMetadata } from '../utils/image-metadata';
import { dockerBuildExecutor } from './docker-build/docker-build';
import { dockerRunExecutor } from './docker-run/docker-run';
import { findFreePort } from './docker-run/lib/ports';
import { httpStatus } from '../testing/http-load';

const PODMAN_SOCK = process.env.ORG_GO_PODMAN_SOCK ?? '/run/org-go-podman.sock';
const ENSURE_PODMAN = resolve(__dirname, '../../../../tools/ensure-podman.sh');

describeDocker('the executors on Podman', () => {
  const docker = DockerClient.fromEnvironment('unix:///var/run/docker.sock');
  let podman: DockerClient;
  const name = `pod-${Date.now().toString(36)}`;
  const projectRoot = `apps/${name}`;
  let root: string;
  let imageId: string | undefined;
  let containerId: string | undefined;

  beforeAll(async () => {
    execFileSync('bash', [ENSURE_PODMAN], { stdio: 'pipe', timeout: 180_000 });
    podman = DockerClient.fromEnvironment(`unix://${PODMAN_SOCK}`);
    await podman.ping();
    // Podman has its own image store: hand it the builder image from the Docker engine (no registry here).
    const goVersion = detectGoVersion();
    const builder = `golang:${goVersion}-bookworm`;
    if (!(await podman.inspectImage(builder))) {
      const { result, output } = await runCaptured(async () => {
        await podman.loadImage(await docker.exportImage(builder));
        return { success: true };
      });
      if (!result.success) throw new Error(output);
    }
    root = await generateWorkspace((tree) => serviceGenerator(tree, { name, goVersion }));
  }, 600_000);

  afterAll(async () => {
    if (containerId) await podman.stopAndRemoveContainer(containerId, 1).catch(() => undefined);
    if (imageId) await podman.removeImage(imageId, true).catch(() => undefined);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('docker-build builds the generated service in Podman and records it', async () => {
    const { result, output } = await runCaptured(() => dockerBuildExecutor({}, executorContext(root, name, projectRoot), podman));
    expect(output).toContain(PODMAN_SOCK);
    expect(result.success).toBe(true);
    const metadata = JSON.parse(readFileSync(join(root, 'dist', projectRoot, 'docker', 'image.json'), 'utf8')) as ImageMetadata;
    imageId = metadata.id;
    const image = await podman.inspectImage(metadata.id);
    expect(image?.Config.User).toBe('65532:65532');
    expect(await docker.inspectImage(metadata.id)).toBeUndefined(); // built in Podman, not in Docker
  });

  it('docker-run runs it in Podman, and the service answers its probes', async () => {
    const port = await findFreePort('127.0.0.1');
    const { result, output } = await runCaptured(() => dockerRunExecutor({ detach: true, port, healthTimeout: 60 }, executorContext(root, name, projectRoot), podman));
    containerId = /container\s+([0-9a-f]{12,})/i.exec(output)?.[1];
    if (!result.success) throw new Error(`docker-run failed on Podman:\n${output}`);
    expect(await httpStatus(`http://127.0.0.1:${port}/healthz`)).toBe(200);
    expect(await httpStatus(`http://127.0.0.1:${port}/readyz`)).toBe(200);
  });
});
