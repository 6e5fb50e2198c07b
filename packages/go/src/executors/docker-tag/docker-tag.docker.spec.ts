/**
 * docker-tag on a real Docker engine, in a real git repository: versions from tags, commits and
 * branches become tags in the engine and a plan in tags.json; errors leave the engine as it was.
 */
import Dockerode from 'dockerode';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerClient } from '../../docker';
import type { TagsFile } from '../../release/tags-file';
import { describeDocker } from '../../testing/docker';
import { runCaptured } from '../../testing/logs';
import { createReleaseWorkspace, type ReleaseWorkspace } from '../../testing/release-workspace';
import type { ImageMetadata } from '../../utils/image-metadata';
import { dockerTagExecutor } from './docker-tag';
import type { DockerTagExecutorSchema } from './schema';

describeDocker('docker-tag on a real engine', () => {
  const docker = new Dockerode();
  const client = DockerClient.fromEnvironment();
  const name = `tagspec-${Date.now().toString(36)}`;
  // Tagging names a registry without contacting it; nothing is pushed here.
  const registry = '127.0.0.1:5999';
  const repository = `${registry}/orggo-test/${name}`;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  let ws: ReleaseWorkspace;

  const tagsFile = () => join(ws.root, 'dist', ws.projectRoot, 'docker', 'tags.json');
  const readPlan = () => JSON.parse(readFileSync(tagsFile(), 'utf8')) as TagsFile;
  const run = (options: DockerTagExecutorSchema = {}, c = client) =>
    runCaptured(() => dockerTagExecutor({ registry, repository: `orggo-test/${name}`, ...options }, ws.context, c, env));
  /** Every tag of the repository in the engine, and the image it points at. */
  const engineTags = async (): Promise<Record<string, string>> => {
    const images = await docker.listImages({ filters: { reference: [repository] } });
    const refs: Record<string, string> = {};
    for (const image of images) for (const ref of image.RepoTags ?? []) if (ref.startsWith(`${repository}:`)) refs[ref.slice(repository.length + 1)] = image.Id;
    return refs;
  };

  beforeAll(async () => {
    ws = await createReleaseWorkspace(client, name);
  });
  afterAll(async () => {
    await ws?.cleanup();
  });

  let releaseImage: string;

  it('tags a release (HEAD carries apps/<name>/v1.4.2) with 1.4.2, 1.4, 1, latest and sha-…, and records the plan', async () => {
    ws.git('tag', `${ws.projectRoot}/v1.4.2`);
    releaseImage = await ws.build();
    const sha = ws.git('rev-parse', 'HEAD');
    const { result, output } = await run();
    expect(result.success).toBe(true);
    expect(output).toContain(`${name} 1.4.2 (release; git-tag: HEAD is tagged ${ws.projectRoot}/v1.4.2)`);

    const short = sha.slice(0, 7);
    expect(await engineTags()).toEqual({ '1.4.2': releaseImage, '1.4': releaseImage, '1': releaseImage, latest: releaseImage, [`sha-${short}`]: releaseImage });
    const plan = readPlan();
    expect(plan).toMatchObject({
      projectName: name,
      imageId: releaseImage,
      version: '1.4.2',
      channel: 'release',
      source: 'git-tag',
      gitSha: sha,
      branch: 'main',
      repository,
      gitTag: `${ws.projectRoot}/v1.4.2`,
    });
    expect(plan.tags.map((t) => [t.reference, t.mutable])).toEqual([
      [`${repository}:1.4.2`, false],
      [`${repository}:1.4`, true],
      [`${repository}:1`, true],
      [`${repository}:latest`, true],
      [`${repository}:sha-${short}`, false],
    ]);
  });

  it('tags a development build after the release as 1.5.0-dev.N with its sha only; latest stays on the release', async () => {
    ws.commit(`${ws.projectRoot}/main.go`, 'package main\n', 'feat: refunds');
    ws.commit('README.md', 'docs\n', 'docs: readme'); // does not touch the project, still counted as a build
    const devImage = await ws.build();
    const { result } = await run();
    expect(result.success).toBe(true);
    const short = ws.git('rev-parse', '--short=7', 'HEAD');
    const tags = await engineTags();
    expect(tags['1.5.0-dev.2']).toBe(devImage);
    expect(tags[`sha-${short}`]).toBe(devImage);
    expect(tags['latest']).toBe(releaseImage);
    expect(tags['1']).toBe(releaseImage);
    expect(readPlan()).toMatchObject({ version: '1.5.0-dev.2', channel: 'dev', source: 'conventional-commits' });
    expect(readPlan().gitTag).toBeUndefined();
  });

  it('builds release candidates on release branches, numbered after the rc tags that exist', async () => {
    ws.git('checkout', '-q', '-b', 'release/1.5');
    ws.commit(`${ws.projectRoot}/fix.go`, 'package main\n', 'fix: rounding');
    const rcImage = await ws.build();
    let { result } = await run({ branchTags: true });
    expect(result.success).toBe(true);
    expect(readPlan()).toMatchObject({ version: '1.5.0-rc.1', channel: 'rc', gitTag: `${ws.projectRoot}/v1.5.0-rc.1` });
    expect((await engineTags())['release-1.5']).toBe(rcImage);

    ws.git('tag', `${ws.projectRoot}/v1.5.0-rc.1`);
    ws.commit(`${ws.projectRoot}/fix2.go`, 'package main\n', 'fix: more rounding');
    await ws.build();
    ({ result } = await run());
    expect(result.success).toBe(true);
    expect(readPlan().version).toBe('1.5.0-rc.2');
    expect((await engineTags())['latest']).toBe(releaseImage);
    ws.git('checkout', '-q', 'main');
  });

  it('--release cuts the next version from the Conventional Commits since the last release and moves latest', async () => {
    const image = await ws.build();
    const { result } = await run({ release: true });
    expect(result.success).toBe(true);
    expect(readPlan()).toMatchObject({ version: '1.5.0', channel: 'release', source: 'conventional-commits' });
    const tags = await engineTags();
    expect([tags['1.5.0'], tags['1.5'], tags['1'], tags['latest']]).toEqual([image, image, image, image]);
    expect(tags['1.4']).toBe(releaseImage);
  });

  it("reads the version from nx release's tag pattern when nx.json configures nx release", async () => {
    ws.git('tag', 'services-v3.0.0');
    await ws.build();
    const context = { ...ws.context, nxJsonConfiguration: { release: { groups: { services: { projects: [name] } } } } };
    const { result } = await runCaptured(() => dockerTagExecutor({ registry, repository: `orggo-test/${name}` }, context as typeof ws.context, client, env));
    expect(result.success).toBe(true);
    expect(readPlan()).toMatchObject({ version: '3.0.0', source: 'nx-release' });
    ws.git('tag', '-d', 'services-v3.0.0');
  });

  it('--dryRun prints the plan and changes nothing', async () => {
    await ws.build();
    const before = await engineTags();
    const planBefore = readFileSync(tagsFile(), 'utf8');
    const { result, output } = await run({ dryRun: true, version: '9.9.9' });
    expect(result.success).toBe(true);
    expect(output).toContain(`${repository}:9.9.9`);
    expect(output).toContain('Dry run: nothing tagged, nothing written.');
    expect(await engineTags()).toEqual(before);
    expect(readFileSync(tagsFile(), 'utf8')).toBe(planBefore);
  });

  it.each<[string, DockerTagExecutorSchema, RegExp]>([
    ['an invalid version', { version: '1.5' }, /docker-tag failed for .*: Version "1\.5" is not a semantic version/],
    ['an un-taggable branch', { branchTags: true, branch: '---' }, /Branch "---" cannot be made into a Docker tag/],
    ['a template that makes an invalid tag', { version: '2.0.0', tags: ['{version}', '-{major}'] }, /Tag "-2" \(from template "-\{major\}"\) is not a valid Docker tag/],
    ['nothing to release', { release: true }, /Nothing to release for .*: no feat, fix, perf or breaking commit touches it since/],
  ])('%s: a clear error, and nothing tagged', async (_, options, message) => {
    ws.git('tag', '-f', `${ws.projectRoot}/v1.5.0`);
    ws.commit('NOTES.md', `${Date.now()}\n`, 'chore: notes');
    await ws.build();
    const before = await engineTags();
    const planBefore = readFileSync(tagsFile(), 'utf8');
    const { result, output } = await run(options);
    expect(result.success).toBe(false);
    expect(output).toMatch(message);
    expect(await engineTags()).toEqual(before);
    expect(readFileSync(tagsFile(), 'utf8')).toBe(planBefore);
  });

  it('a missing image: says which target to run, and tags nothing', async () => {
    const file = join(ws.root, 'dist', ws.projectRoot, 'docker', 'image.json');
    const metadata = JSON.parse(readFileSync(file, 'utf8')) as ImageMetadata;
    writeFileSync(file, JSON.stringify({ ...metadata, id: `sha256:${'0'.repeat(64)}` }));
    const before = await engineTags();
    try {
      const { result, output } = await run({ version: '7.0.0' });
      expect(result.success).toBe(false);
      expect(output).toMatch(/is not in the Docker engine at .* Run "nx run tagspec-\w+:docker-build --skip-nx-cache"/);
      expect(await engineTags()).toEqual(before);
    } finally {
      writeFileSync(file, JSON.stringify(metadata));
    }
    rmSync(file);
    const { result, output } = await run({ version: '7.0.0' });
    expect(result.success).toBe(false);
    expect(output).toMatch(/No image is recorded for tagspec-\w+: dist\/apps\/tagspec-\w+\/docker\/image.json is missing\. Run "nx run tagspec-\w+:docker-build" first/);
    writeFileSync(file, JSON.stringify(metadata));
    expect(existsSync(file)).toBe(true);
  });

  it('puts tags back when the engine fails half way', async () => {
    const image = await ws.build();
    const before = await engineTags();
    class FailingThirdTag extends DockerClient {
      calls = 0;
      override async tagImage(imageId: string, reference: string): Promise<void> {
        this.calls += 1;
        if (this.calls === 3 && imageId === image) throw new Error('engine went away');
        return super.tagImage(imageId, reference);
      }
    }
    const failing = new FailingThirdTag(new Dockerode(), client.endpoint);
    const { result, output } = await run({ version: '8.0.0' }, failing);
    expect(result.success).toBe(false);
    expect(output).toContain('engine went away');
    expect(await engineTags()).toEqual(before);
  });
});
