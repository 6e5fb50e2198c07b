/**
 * ensureImage's error paths that a real engine cannot produce on demand (a registry serving another
 * image under the recorded digest, a rebuild that claims success without an image). What works is
 * proven against a real engine in ensure-image.docker.spec.ts.
 */
import Dockerode from 'dockerode';
import type { ImageInspectInfo } from 'dockerode';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaptured } from '../testing/logs';
import { executorContext } from '../testing/workspace';
import { writeImageMetadata, type ImageMetadata } from '../utils/image-metadata';
import { DockerClient } from './client';
import { DockerError } from './errors';
import { ensureImage, registryHost, registrySearchPlan } from './ensure-image';

const RECORDED = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;

/** An engine that has exactly the images in `images` (by id or reference) and pulls what `pulls` says. */
class FakeClient extends DockerClient {
  pulled: string[] = [];
  constructor(
    readonly images: Record<string, string>,
    readonly pulls: Record<string, string | Error> = {},
  ) {
    super(new Dockerode({ socketPath: '/nonexistent.sock' }), 'unix:///fake.sock');
  }
  override async inspectImage(ref: string): Promise<ImageInspectInfo | undefined> {
    const id = this.images[ref];
    return id ? ({ Id: id } as ImageInspectInfo) : undefined;
  }
  override async pullImage(reference: string): Promise<void> {
    this.pulled.push(reference);
    const result = this.pulls[reference];
    if (result instanceof Error) throw result;
    if (!result) throw new DockerError(`Pulling ${reference} failed: manifest unknown`, 'engine');
    this.images[reference] = result;
  }
}

describe('ensureImage error paths', () => {
  let root: string;
  const project = 'orders';
  const projectRoot = 'apps/orders';
  const location = () => ({ projectName: project, projectRoot, workspaceRoot: root });
  const record = (extra: Partial<ImageMetadata> = {}) =>
    writeImageMetadata(root, projectRoot, {
      projectName: project,
      id: RECORDED,
      tags: ['orders:latest'],
      size: 1,
      labels: {},
      dockerfile: 'Dockerfile',
      context: projectRoot,
      contextBytes: 1,
      contextFiles: 1,
      buildSeconds: 0,
      builtAt: new Date().toISOString(),
      engine: 'unix:///fake.sock',
      ...extra,
    });
  const withBuildTarget = () => {
    const context = executorContext(root, project, projectRoot);
    context.projectsConfigurations.projects[project].targets = { 'docker-build': { executor: '@org/go:docker-build', options: { quiet: true } } };
    return context;
  };
  const env = () => ({ HOME: root, DOCKER_CONFIG: join(root, '.docker') });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'org-go-ensure-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('refuses an image pulled by the recorded digest that is not the recorded image', async () => {
    const ref = `127.0.0.1:5000/team/orders@sha256:${'c'.repeat(64)}`;
    record({ repoDigests: [ref] });
    const client = new FakeClient({}, { [ref]: OTHER });
    const rebuild = jest.fn();
    await expect(ensureImage(client, withBuildTarget(), location(), { env: env(), rebuild })).rejects.toThrow(
      /Pulled 127\.0\.0\.1:5000\/team\/orders@sha256:c+, but it is image sha256:bbbbbbbbbbbb, not sha256:aaaaaaaaaaaa recorded for orders.*nx run orders:docker-build --skip-nx-cache/,
    );
    expect(rebuild).not.toHaveBeenCalled();
  });

  it('falls back to a rebuild when no recorded digest can be pulled, and names the build target when that fails too', async () => {
    const refs = [`127.0.0.1:5000/team/orders@sha256:${'c'.repeat(64)}`, `registry.example.com/team/orders@sha256:${'c'.repeat(64)}`];
    record({ repoDigests: refs });
    const client = new FakeClient({}, { [refs[0]]: new DockerError('Cannot reach the Docker engine', 'unreachable') });
    const rebuild = jest.fn().mockResolvedValue({ success: false });
    const { output } = await runCaptured(async () => {
      await expect(ensureImage(client, withBuildTarget(), location(), { env: env(), rebuild })).rejects.toThrow(
        /Image sha256:aaaaaaaaaaaa recorded for orders is not in the Docker engine at unix:\/\/\/fake\.sock, could not be pulled by digest, and the rebuild failed \(see above\)\. Run "nx run orders:docker-build --skip-nx-cache"\./,
      );
    });
    expect(client.pulled).toEqual(refs);
    expect(output).toContain(`could not be pulled (${refs[0]}: Cannot reach the Docker engine; ${refs[1]}: Pulling ${refs[1]} failed: manifest unknown); rebuilding`);
    expect(rebuild).toHaveBeenCalledWith({ quiet: true }, expect.objectContaining({ targetName: 'docker-build', projectName: project }), client);
  });

  it('does not trust a rebuild that reports success without an image in the engine', async () => {
    record();
    const client = new FakeClient({});
    const rebuild = jest.fn().mockResolvedValue({ success: true });
    await runCaptured(async () => {
      await expect(ensureImage(client, withBuildTarget(), location(), { env: env(), rebuild })).rejects.toThrow(
        /was never pushed, and the rebuild reported success but its image is not in the engine\. Run "nx run orders:docker-build --skip-nx-cache"/,
      );
    });
  });

  it('names the build target from the plugin options when the project has none', async () => {
    record();
    const context = executorContext(root, project, projectRoot);
    context.nxJsonConfiguration = { plugins: [{ plugin: '@org/go', options: { dockerBuildTargetName: 'image' } }] };
    const rebuild = jest.fn();
    await runCaptured(async () => {
      await expect(ensureImage(new FakeClient({}), context, location(), { env: env(), rebuild })).rejects.toThrow(
        /orders has no "image" target to rebuild it with\. Run "nx run orders:image --skip-nx-cache"/,
      );
    });
    expect(rebuild).not.toHaveBeenCalled();
  });

  it.each([
    ['127.0.0.1:5000/team/orders@sha256:x', '127.0.0.1:5000'],
    ['registry.example.com/orders@sha256:x', 'registry.example.com'],
    ['localhost/orders@sha256:x', 'localhost'],
    ['acme/orders@sha256:x', 'docker.io'],
    ['orders@sha256:x', 'docker.io'],
  ])('finds the registry of %s: %s', (reference, host) => {
    expect(registryHost(reference)).toBe(host);
  });
});

describe('registrySearchPlan', () => {
  it('searches the repositories of the tags given, the tag plan and the docker-tag options, each once, given tags first', () => {
    const plan = registrySearchPlan({
      projectName: 'orders',
      registryTags: ['127.0.0.1:5000/team/orders:1.2.0', '127.0.0.1:5000/team/orders:latest', 'localhost:5001/orders:sha-abc1234'],
      tagsFile: { repository: '127.0.0.1:5000/team/orders', tags: [{ tag: '1.1.0', reference: '127.0.0.1:5000/team/orders:1.1.0', mutable: false, template: '{version}' }] },
      tagOptions: { registry: 'registry.example.com', repository: 'shop/orders' },
    });
    expect(plan).toEqual([
      { repository: '127.0.0.1:5000/team/orders', host: '127.0.0.1:5000', path: 'team/orders', tags: ['1.2.0', 'latest', '1.1.0'] },
      { repository: 'localhost:5001/orders', host: 'localhost:5001', path: 'orders', tags: ['sha-abc1234'] },
      { repository: 'registry.example.com/shop/orders', host: 'registry.example.com', path: 'shop/orders', tags: [] },
    ]);
  });

  it('never searches Docker Hub official images for a bare name, and has nothing to search without a registry', () => {
    expect(registrySearchPlan({ projectName: 'orders', registryTags: ['orders:1.0.0'], tagsFile: { repository: 'orders', tags: [] }, tagOptions: {} })).toEqual([]);
    expect(registrySearchPlan({ projectName: 'orders' })).toEqual([]);
    // An owner on Docker Hub, named as such, is searched.
    expect(registrySearchPlan({ projectName: 'orders', tagOptions: { registry: 'docker.io', repository: 'acme/orders' } })).toEqual([
      { repository: 'docker.io/acme/orders', host: 'docker.io', path: 'acme/orders', tags: [] },
    ]);
  });
});
