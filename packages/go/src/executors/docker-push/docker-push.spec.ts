import Dockerode from 'dockerode';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../../docker';
import { writeTagsFile, type TagsFile } from '../../release/tags-file';
import { runCaptured } from '../../testing/logs';
import { executorContext } from '../../testing/workspace';
import { writeImageMetadata, type ImageMetadata } from '../../utils/image-metadata';
import { dockerPushExecutor } from './docker-push';

/** Failures found in the files docker-build and docker-tag wrote, before any engine or registry is asked. */
describe('docker-push before it talks to anything', () => {
  const id = `sha256:${'a'.repeat(64)}`;
  const noEngine = new DockerClient(new Dockerode({ socketPath: '/tmp/org-go-no-such-engine.sock' }), 'unix:///tmp/org-go-no-such-engine.sock');
  let root: string;
  const metadata: ImageMetadata = {
    projectName: 'orders',
    id,
    tags: ['orders:latest'],
    size: 1,
    labels: {},
    dockerfile: 'Dockerfile',
    context: 'apps/orders',
    contextBytes: 1,
    contextFiles: 1,
    buildSeconds: 0,
    builtAt: '2026-01-01T00:00:00.000Z',
    engine: 'unix:///var/run/docker.sock',
  };
  const plan = (over: Partial<TagsFile>): TagsFile => ({
    projectName: 'orders',
    imageId: id,
    version: '1.4.2',
    channel: 'release',
    source: 'explicit',
    reason: '--version 1.4.2',
    repository: 'orders',
    tags: [{ tag: '1.4.2', reference: 'orders:1.4.2', mutable: false, template: '{version}' }],
    skipped: [],
    taggedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  });
  const run = () => runCaptured(() => dockerPushExecutor({}, executorContext(root, 'orders', 'apps/orders'), noEngine, { PATH: process.env.PATH }));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'org-go-push-'));
    writeImageMetadata(root, 'apps/orders', metadata);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('wants docker-tag to have run', async () => {
    const { result, output } = await run();
    expect(result.success).toBe(false);
    expect(output).toContain('No tags are planned for orders: dist/apps/orders/docker/tags.json is missing. Run "nx run orders:docker-tag".');
  });

  it('refuses a plan made for an earlier build', async () => {
    writeTagsFile(root, 'apps/orders', plan({ imageId: `sha256:${'b'.repeat(64)}` }));
    const { output } = await run();
    expect(output).toContain('tags image sha256:bbbbbbbbbbbb, but the last build of orders is sha256:aaaaaaaaaaaa. Run "nx run orders:docker-tag".');
  });

  it("does not push to Docker Hub's official namespace when no registry is set", async () => {
    writeTagsFile(root, 'apps/orders', plan({}));
    const { output } = await run();
    expect(output).toMatch(/orders names no registry, so it would go to Docker Hub's official images\. Set "registry"/);
  });

  it('checks its options', async () => {
    writeTagsFile(root, 'apps/orders', plan({ repository: '127.0.0.1:5055/orders' }));
    const { output } = await runCaptured(() => dockerPushExecutor({ retries: -1 }, executorContext(root, 'orders', 'apps/orders'), noEngine, {}));
    expect(output).toContain('retries must be a whole number ≥ 0 (got -1).');
  });

  it('names the engine it cannot reach', async () => {
    writeTagsFile(root, 'apps/orders', plan({ repository: '127.0.0.1:5055/orders', tags: [{ tag: '1.4.2', reference: '127.0.0.1:5055/orders:1.4.2', mutable: false, template: '{version}' }] }));
    const { output } = await run();
    expect(output).toMatch(/Cannot reach the Docker engine at unix:\/\/\/tmp\/org-go-no-such-engine.sock \(ENOENT\)/);
  });
});
