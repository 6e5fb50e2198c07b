/**
 * docker-push on a real Docker engine against real registries (Debian's docker-registry, one open and
 * one with htpasswd auth), verified through the registries' own HTTP API. Includes the fault test:
 * a registry that goes away in the middle of a push.
 */
import Dockerode from 'dockerode';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient, type ProgressEvent } from '../../docker';
import { describeDocker } from '../../testing/docker';
import { runCaptured } from '../../testing/logs';
import { startTestRegistry, type TestRegistry } from '../../testing/registry';
import { createReleaseWorkspace, type ReleaseWorkspace } from '../../testing/release-workspace';
import type { PushRecord } from '../../utils/image-metadata';
import { dockerTagExecutor } from '../docker-tag/docker-tag';
import type { DockerTagExecutorSchema } from '../docker-tag/schema';
import { dockerPushExecutor } from './docker-push';
import type { DockerPushExecutorSchema } from './schema';

/** The engine client, recording each push and letting a spec act before a push or on its progress. */
class ObservedClient extends DockerClient {
  pushes: string[] = [];
  beforePush?: (reference: string) => Promise<void> | void;
  onPushEvent?: (reference: string, event: ProgressEvent) => void;

  override async pushImage(reference: string, auth: Record<string, string>, onEvent: (event: ProgressEvent) => void = () => undefined) {
    this.pushes.push(reference);
    await this.beforePush?.(reference);
    return super.pushImage(reference, auth, (event) => {
      this.onPushEvent?.(reference, event);
      onEvent(event);
    });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls the registry while a push runs and records every moment a moving tag was visible without all
 * immutable tags already pointing at the same manifest.
 */
function watchMovingTags(registry: TestRegistry, repository: string, immutable: string[], moving: string[]) {
  const violations: string[] = [];
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const tags = await registry.tags(repository);
        const visible = moving.filter((tag) => tags.includes(tag));
        if (visible.length > 0) {
          const expected = await registry.digest(repository, immutable[0]);
          for (const tag of immutable.slice(1)) {
            if ((await registry.digest(repository, tag)) !== expected) violations.push(`${visible.join(',')} visible while ${tag} was not at ${expected}`);
          }
          for (const tag of visible) {
            const digest = await registry.digest(repository, tag);
            if (!expected || digest !== expected) violations.push(`${tag} at ${digest} while ${immutable[0]} was at ${expected}`);
          }
        }
        samples += 1;
      } catch {
        // The registry is down for a moment in the fault tests.
      }
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { violations, samples };
    },
  };
}

describeDocker('docker-push to real registries', () => {
  const docker = new Dockerode();
  const name = `pushspec-${Date.now().toString(36)}`;
  const auth = { username: 'ci', password: `pw-${Math.random().toString(36).slice(2)}` };
  let open: TestRegistry;
  let secured: TestRegistry;
  let ws: ReleaseWorkspace;
  let home: string;
  let client: ObservedClient;

  /** The environment the executor sees: its own Docker config folder, never the developer's. */
  const envWith = (config: unknown, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify(config));
    return { PATH: process.env.PATH, HOME: home, DOCKER_CONFIG: join(home, '.docker'), ...extra };
  };
  const authsFor = (host: string, password = auth.password) => ({ auths: { [host]: { auth: Buffer.from(`${auth.username}:${password}`).toString('base64') } } });
  const tag = (options: DockerTagExecutorSchema) => runCaptured(() => dockerTagExecutor(options, ws.context, client, { PATH: process.env.PATH }));
  const push = (options: DockerPushExecutorSchema, env: NodeJS.ProcessEnv) => {
    client.pushes = [];
    return runCaptured(() => dockerPushExecutor({ retryDelay: 0.1, ...options }, ws.context, client, env));
  };
  /** docker-push's record of the push (push.json); image.json, docker-build's cached output, is left as docker-build wrote it. */
  const pushJson = () => JSON.parse(readFileSync(join(ws.root, 'dist', ws.projectRoot, 'docker', 'push.json'), 'utf8')) as PushRecord;
  /** Builds a new image and tags it for `registry`/`repository` with `version`. */
  const buildAndTag = async (registry: TestRegistry, repository: string, version?: string, payloadBytes?: number) => {
    const image = await ws.build(payloadBytes);
    const tagged = await tag({ registry: registry.host, repository, version });
    expect(tagged.result.success).toBe(true);
    return image;
  };

  beforeAll(async () => {
    [open, secured] = await Promise.all([startTestRegistry(), startTestRegistry({ auth })]);
    client = new ObservedClient(new Dockerode(), DockerClient.fromEnvironment().endpoint);
    ws = await createReleaseWorkspace(client, name);
    home = mkdtempSync(join(tmpdir(), 'org-go-home-'));
    mkdirSync(join(home, '.docker'));
  });
  afterAll(async () => {
    await Promise.all([open?.dispose(), secured?.dispose()]);
    await ws?.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  it('pushes every tag to an open registry, immutable tags first, and records the digest in push.json', async () => {
    ws.git('tag', `${ws.projectRoot}/v1.4.2`);
    const image = await buildAndTag(open, `team/${name}`);
    const short = ws.git('rev-parse', '--short=7', 'HEAD');
    const built = readFileSync(join(ws.root, 'dist', ws.projectRoot, 'docker', 'image.json'), 'utf8');
    const { result, output } = await push({}, envWith({}));
    expect(result.success).toBe(true);
    expect(readFileSync(join(ws.root, 'dist', ws.projectRoot, 'docker', 'image.json'), 'utf8')).toBe(built);
    const repo = `${open.host}/team/${name}`;
    expect(client.pushes).toEqual([`${repo}:1.4.2`, `${repo}:sha-${short}`, `${repo}:1.4`, `${repo}:1`, `${repo}:latest`]);

    // What the registry itself says.
    expect(await open.tags(`team/${name}`)).toEqual(['1', '1.4', '1.4.2', 'latest', `sha-${short}`].sort());
    const digest = await open.digest(`team/${name}`, '1.4.2');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const t of ['1', '1.4', 'latest', `sha-${short}`]) expect(await open.digest(`team/${name}`, t)).toBe(digest);

    const metadata = pushJson();
    expect(metadata.id).toBe(image);
    expect(metadata.repoDigests).toEqual([`${repo}@${digest}`]);
    expect(metadata.digests?.[`${repo}:latest`]).toBe(digest);
    expect((await docker.getImage(image).inspect()).RepoDigests).toContain(`${repo}@${digest}`);
    expect(output).toContain(`${open.host}: no credentials needed`);
    expect(output).toContain(`Pull by digest: ${repo}@${digest}`);
  });

  it('skips every tag the registry already has at our digest', async () => {
    const { result, output } = await push({}, envWith({}));
    expect(result.success).toBe(true);
    expect(client.pushes).toEqual([]);
    expect(output.match(/: up to date \(sha256:/g)).toHaveLength(5);
    expect(output).toContain('0 pushed, 5 already up to date');
  });

  it('--dryRun checks the registry and says what it would push, pushing nothing', async () => {
    await buildAndTag(open, `team/${name}`, '1.4.3');
    const before = await open.tags(`team/${name}`);
    const { result, output } = await push({ dryRun: true }, envWith({}));
    expect(result.success).toBe(true);
    expect(client.pushes).toEqual([]);
    expect(output).toContain(`${open.host}/team/${name}:1.4.3: would push`);
    expect(output).toMatch(/team\/pushspec-\w+:latest: would push \(registry has sha256:/);
    expect(await open.tags(`team/${name}`)).toEqual(before);
  });

  describe('a registry with htpasswd auth', () => {
    it('fails fast without credentials, naming the Docker config and docker login, before pushing anything', async () => {
      await buildAndTag(secured, `team/${name}`, '2.0.0');
      const started = Date.now();
      const { result, output } = await push({ retries: 3, retryDelay: 2 }, envWith({}));
      expect(result.success).toBe(false);
      expect(Date.now() - started).toBeLessThan(5000); // no retries on 401
      expect(client.pushes).toEqual([]);
      expect(output).toContain(`${secured.host} requires credentials and none were found.`);
      expect(output).toContain(`No credentials for ${secured.host} were found in ${join(home, '.docker', 'config.json')} (auths, credHelpers, credsStore).`);
      expect(output).toContain(`docker login ${secured.host}`);
    });

    it('fails fast on a wrong password', async () => {
      const { result, output } = await push({}, envWith(authsFor(secured.host, 'wrong')));
      expect(result.success).toBe(false);
      expect(client.pushes).toEqual([]);
      expect(output).toMatch(new RegExp(`${secured.host.replace(/\./g, '\\.')} refused the credentials given for GET /v2/ \\(HTTP 401\\)\\. Credentials came from .*config\\.json auths`));
    });

    it('pushes with credentials from the Docker config auths', async () => {
      const { result, output } = await push({}, envWith(authsFor(secured.host)));
      expect(result.success).toBe(true);
      expect(output).toContain(`${secured.host}: credentials from ${join(home, '.docker', 'config.json')} auths`);
      expect(client.pushes).toHaveLength(5);
      expect(await secured.tags(`team/${name}`)).toEqual(expect.arrayContaining(['2.0.0', '2.0', '2', 'latest']));
      expect(await secured.digest(`team/${name}`, 'latest')).toBe(await secured.digest(`team/${name}`, '2.0.0'));
    });

    it('pushes with credentials from a credential helper (credsStore), asked through its protocol', async () => {
      await buildAndTag(secured, `team/${name}`, '2.0.1');
      const bin = join(home, 'bin');
      mkdirSync(bin, { recursive: true });
      const helper = join(bin, 'docker-credential-orgspec');
      writeFileSync(
        helper,
        `#!/bin/sh\nread -r server\necho "$1 $server" >> "${join(home, 'helper.log')}"\n[ "$server" = "${secured.host}" ] || { echo "credentials not found in native keychain"; exit 1; }\nprintf '{"ServerURL":"%s","Username":"${auth.username}","Secret":"${auth.password}"}' "$server"\n`,
      );
      chmodSync(helper, 0o755);
      const { result, output } = await push({}, envWith({ credsStore: 'orgspec' }, { PATH: `${bin}:${process.env.PATH}` }));
      expect(result.success).toBe(true);
      expect(output).toContain(`${secured.host}: credentials from credential helper docker-credential-orgspec`);
      expect(readFileSync(join(home, 'helper.log'), 'utf8')).toBe(`get ${secured.host}\n`);
      expect(await secured.tags(`team/${name}`)).toContain('2.0.1');
    });

    it('pushes with explicit options naming environment variables', async () => {
      await buildAndTag(secured, `team/${name}`, '2.0.2');
      const { result, output } = await push({ usernameEnv: 'REG_USER', passwordEnv: 'REG_TOKEN' }, envWith({}, { REG_USER: auth.username, REG_TOKEN: auth.password }));
      expect(result.success).toBe(true);
      expect(output).toContain(`${secured.host}: credentials from options (REG_USER/REG_TOKEN)`);
      expect(await secured.tags(`team/${name}`)).toContain('2.0.2');
    });
  });

  describe('git tags for released versions', () => {
    it('never on a dirty tree: refused before anything is pushed', async () => {
      await buildAndTag(open, `release/${name}`, '3.0.0');
      writeFileSync(join(ws.root, '.gitignore'), 'dist/\npayload\n# local edit\n');
      try {
        const { result, output } = await push({ gitTag: true }, envWith({}));
        expect(result.success).toBe(false);
        expect(output).toContain(`Refusing to create git tag ${ws.projectRoot}/v3.0.0: the working tree has uncommitted changes (M .gitignore)`);
        expect(client.pushes).toEqual([]);
        expect(await open.tags(`release/${name}`)).toEqual([]);
      } finally {
        ws.git('checkout', '--', '.gitignore');
      }
    });

    it('creates the project tag at the built commit once every tag is pushed', async () => {
      const head = ws.git('rev-parse', 'HEAD');
      const { result, output } = await push({ gitTag: true }, envWith({}));
      expect(result.success).toBe(true);
      expect(ws.git('rev-parse', `refs/tags/${ws.projectRoot}/v3.0.0^{commit}`)).toBe(head);
      expect(output).toContain(`Created git tag ${ws.projectRoot}/v3.0.0 at ${head.slice(0, 7)}. Publish it with: git push origin ${ws.projectRoot}/v3.0.0`);
      // The next docker-tag on this commit finds the release through its tag.
      await ws.build();
      expect((await tag({ registry: open.host, repository: `release/${name}` })).output).toContain(`3.0.0 (release; git-tag: HEAD is tagged ${ws.projectRoot}/v3.0.0)`);
    });

    it('makes no git tag for a development build', async () => {
      ws.commit(`${ws.projectRoot}/more.go`, 'package main\n', 'feat: more');
      await buildAndTag(open, `release/${name}`);
      const tagsBefore = ws.git('tag', '--list');
      const { result, output } = await push({ gitTag: true }, envWith({}));
      expect(result.success).toBe(true);
      expect(output).toMatch(/No git tag: 3\.1\.0-dev\.1 is a development build\./);
      expect(ws.git('tag', '--list')).toBe(tagsBefore);
    });
  });

  describe('faults', () => {
    let watcher: ReturnType<typeof watchMovingTags> | undefined;
    const watch = (...args: Parameters<typeof watchMovingTags>) => (watcher = watchMovingTags(...args));
    afterEach(async () => {
      client.beforePush = undefined;
      client.onPushEvent = undefined;
      await watcher?.stop();
      watcher = undefined;
      await open.start(); // whatever a test did to it, the next one finds it running
    });

    it('the registry stops in the middle of a push: the run fails with no moving tag pushed; once it is back, a retry finishes', async () => {
      const repository = `fault-stop/${name}`;
      await buildAndTag(open, repository, '4.1.0');
      const short = ws.git('rev-parse', '--short=7', 'HEAD');
      const watching = watch(open, repository, ['4.1.0', `sha-${short}`], ['4.1', '4', 'latest']);
      // After the first immutable tag is in, the registry goes away.
      client.beforePush = async (reference) => {
        if (reference.endsWith(`:sha-${short}`)) await open.stop();
      };
      const failed = await push({ retries: 2, retryDelay: 0.2 }, envWith({}));
      expect(failed.result.success).toBe(false);
      expect(failed.output).toMatch(/retry 1\/2 in 0\.2s/);
      expect(failed.output).toMatch(/retry 2\/2 in 0\.4s/);
      expect(failed.output).toMatch(/docker-push failed for pushspec-\w+: Pushing .*:sha-\w+ failed: .*connection refused.*Cannot reach the registry at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED/);
      expect(client.pushes).toEqual([`${open.host}/${repository}:4.1.0`, ...Array(3).fill(`${open.host}/${repository}:sha-${short}`)]);

      client.beforePush = undefined;
      await open.start();
      expect(await open.tags(repository)).toEqual(['4.1.0']); // nothing moving was pushed
      const retried = await push({}, envWith({}));
      expect(retried.result.success).toBe(true);
      expect(retried.output).toContain(`${open.host}/${repository}:4.1.0: up to date`);
      expect(client.pushes).toEqual([`sha-${short}`, '4.1', '4', 'latest'].map((t) => `${open.host}/${repository}:${t}`));
      const { violations, samples } = await watching.stop();
      expect(violations).toEqual([]);
      expect(samples).toBeGreaterThan(5);
      expect(await open.tags(repository)).toEqual(['4', '4.1', '4.1.0', 'latest', `sha-${short}`].sort());
      const digest = await open.digest(repository, '4.1.0');
      for (const t of ['4', '4.1', 'latest', `sha-${short}`]) expect(await open.digest(repository, t)).toBe(digest);
      expect(pushJson().repoDigests).toEqual([`${open.host}/${repository}@${digest}`]);
    });

    it('the registry crashes while a layer uploads and comes back: the push completes, and moving tags follow only after', async () => {
      const repository = `fault-crash/${name}`;
      await buildAndTag(open, repository, '4.2.0', 48_000_000);
      const short = ws.git('rev-parse', '--short=7', 'HEAD');
      const watching = watch(open, repository, ['4.2.0', `sha-${short}`], ['4.2', '4', 'latest']);
      let crashed = false;
      let interrupted = false;
      let restarted: Promise<void> | undefined;
      client.onPushEvent = (_, event) => {
        if (!crashed && event.status === 'Pushing') {
          crashed = true;
          open.kill();
          restarted = sleep(1000).then(() => open.start());
        }
        if (event.status?.startsWith('Retrying in')) interrupted = true;
      };
      const { result, output } = await push({ retries: 3, retryDelay: 1 }, envWith({}));
      await restarted;
      const { violations, samples } = await watching.stop();
      expect(result.success).toBe(true);
      expect(crashed).toBe(true);
      expect(interrupted).toBe(true); // the upload really was cut off
      expect(output).toContain('(the engine retries the upload)');
      expect(violations).toEqual([]);
      expect(samples).toBeGreaterThan(5);
      const digest = await open.digest(repository, '4.2.0');
      for (const t of ['4', '4.2', 'latest', `sha-${short}`]) expect(await open.digest(repository, t)).toBe(digest);
    });

    it('retries with backoff while the registry is down, and succeeds once it is back within the same run', async () => {
      const repository = `fault-retry/${name}`;
      await buildAndTag(open, repository, '4.3.0');
      let restarted: Promise<void> | undefined;
      client.beforePush = async () => {
        if (restarted) return;
        await open.stop();
        restarted = sleep(1500).then(() => open.start());
      };
      const { result, output } = await push({ retries: 5, retryDelay: 0.5 }, envWith({}));
      await restarted;
      expect(result.success).toBe(true);
      expect(output).toMatch(/Pushing .*:4\.3\.0 failed \(.*\); retry 1\/5 in 0\.5s/);
      expect(await open.tags(repository)).toContain('latest');
    });
  });
});
