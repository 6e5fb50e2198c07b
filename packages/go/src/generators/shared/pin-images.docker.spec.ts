/**
 * Base images pinned by digest, on a real engine and a real registry: --pinImages reads each base's
 * digest from the engine (the builder image pushed to and pulled back from a local registry has one; a
 * seeded image has none, and is refused without touching the tree), and docker-build's
 * requirePinnedBase builds the pinned Dockerfile and refuses an unpinned one, leaving no image or record.
 */
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import Dockerode from 'dockerode';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DockerClient } from '../../docker';
import { dockerBuildExecutor } from '../../executors/docker-build/docker-build';
import { describeDocker } from '../../testing/docker';
import { runCaptured } from '../../testing/logs';
import { startTestRegistry, type TestRegistry } from '../../testing/registry';
import { snapshotTree } from '../../testing/tree';
import { executorContext, generateWorkspace } from '../../testing/workspace';
import { builderImageFor } from '../../utils/constants';
import { detectGoVersion } from '../../utils/go-version';
import { dockerGenerator } from '../docker/docker';
import { serviceGenerator } from '../service/service';
import { imageArgs } from './pin-images';

describeDocker('base images pinned by digest', () => {
  const docker = new Dockerode();
  const client = DockerClient.fromEnvironment();
  const goVersion = detectGoVersion();
  const seeded = builderImageFor(goVersion);
  const suffix = Date.now().toString(36);
  let registry: TestRegistry;
  let mirror: string;
  const roots: string[] = [];

  beforeAll(async () => {
    registry = await startTestRegistry();
    // A mirror of the builder image in a registry: pushed, then pulled back, so the engine knows its digest.
    mirror = `${registry.host}/library/golang:${goVersion}-bookworm`;
    await client.tagImage((await client.inspectImage(seeded))!.Id, mirror);
    await client.pushImage(mirror, {});
    await client.removeImage(mirror);
    await client.pullImage(mirror, {});
  }, 300_000);

  afterAll(async () => {
    await client.removeImage(mirror).catch(() => undefined);
    await registry?.dispose();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('--pinImages writes the builder image with its registry digest, and requirePinnedBase builds it', async () => {
    const name = `pinned-${suffix}`;
    const root = await generateWorkspace((tree) => serviceGenerator(tree, { name, goVersion, builderImage: mirror, pinImages: true }));
    roots.push(root);
    const dockerfile = readFileSync(join(root, 'apps', name, 'Dockerfile'), 'utf8');
    const digest = (await registry.digest('library/golang', `${goVersion}-bookworm`))!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(imageArgs(dockerfile)).toEqual({ BUILDER_IMAGE: `${mirror}@${digest}`, RUNTIME_IMAGE: 'scratch' });

    const { result, output } = await runCaptured(() => dockerBuildExecutor({ requirePinnedBase: true }, executorContext(root, name, `apps/${name}`), client));
    expect(output).not.toMatch(/requirePinnedBase is on/);
    expect(result.success).toBe(true);
    const record = JSON.parse(readFileSync(join(root, 'dist', 'apps', name, 'docker', 'image.json'), 'utf8')) as { id: string };
    await docker.getImage(record.id).remove({ force: true });
  });

  it('requirePinnedBase refuses the default, unpinned Dockerfile before the engine builds anything', async () => {
    const name = `unpinned-${suffix}`;
    const root = await generateWorkspace((tree) => serviceGenerator(tree, { name, goVersion }));
    roots.push(root);
    const { result, output } = await runCaptured(() => dockerBuildExecutor({ requirePinnedBase: true }, executorContext(root, name, `apps/${name}`), client));
    expect(result.success).toBe(false);
    expect(output).toMatch(new RegExp(`requirePinnedBase is on, and these base images are not pinned by digest:\\n  ${seeded.replace(/\./g, '\\.')} \\(apps/${name}/Dockerfile:\\d+, ARG BUILDER_IMAGE\\)`));
    expect(existsSync(join(root, 'dist', 'apps', name, 'docker', 'image.json'))).toBe(false);
    expect(await client.inspectImage(`${name}:latest`)).toBeUndefined();
    // Nothing was built for it: no image (intermediates included) carries its project label.
    expect(await docker.listImages({ all: true, filters: { label: [`org.go.nx.project=${name}`] } })).toEqual([]);
  });

  it('--pinImages refuses an image the engine has no registry digest for, and leaves the tree as it was', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await serviceGenerator(tree, { name: 'existing', goVersion });
    const before = snapshotTree(tree);
    await expect(serviceGenerator(tree, { name: `nodigest-${suffix}`, goVersion, pinImages: true })).rejects.toThrow(
      `Cannot pin ${seeded}: the engine knows no registry digest for it (an image built or loaded locally has none). Pull it from its registry ("docker pull ${seeded}"), or write the digest yourself: ARG BUILDER_IMAGE=${seeded}@sha256:<digest>.`,
    );
    expect(snapshotTree(tree)).toEqual(before);
    await expect(dockerGenerator(tree, { project: 'existing', overwrite: true, pinImages: true })).rejects.toThrow(/Cannot pin /);
    expect(snapshotTree(tree)).toEqual(before);
    await expect(serviceGenerator(tree, { name: `badref-${suffix}`, goVersion, builderImage: 'Not A Reference' })).rejects.toThrow(/Invalid builderImage "Not A Reference"/);
    expect(snapshotTree(tree)).toEqual(before);
  });
});
