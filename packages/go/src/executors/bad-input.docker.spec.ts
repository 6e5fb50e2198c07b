/**
 * Bad input to the executors, on a second engine of its own (nothing else runs there, so "the engine is
 * as it was" can be checked exactly): each case fails with a message that says what is wrong and what to
 * do, creates no image, container or tag, and writes no record.
 */
import Dockerode from 'dockerode';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DockerClient } from '../docker';
import { describeDocker } from '../testing/docker';
import { runCaptured } from '../testing/logs';
import { executorContext } from '../testing/workspace';
import { dockerBuildExecutor } from './docker-build/docker-build';
import { dockerRunExecutor } from './docker-run/docker-run';
import { dockerScanExecutor } from './docker-scan/docker-scan';
import { dockerTagExecutor } from './docker-tag/docker-tag';

const SECOND_SOCKET = '/var/run/org-go-docker2.sock';
const ENSURE_DOCKER = resolve(__dirname, '../../../../tools/ensure-docker.sh');

describeDocker('bad input to the executors leaves the engine as it was', () => {
  const docker = new Dockerode({ socketPath: SECOND_SOCKET });
  const client = new DockerClient(docker, `unix://${SECOND_SOCKET}`);
  const name = 'bad';
  const projectRoot = 'apps/bad';
  let root: string;
  const context = () => executorContext(root, name, projectRoot);
  const record = () => join(root, 'dist', projectRoot, 'docker', 'image.json');

  /** Every image (with intermediates) and container on the engine, and every tag. */
  const engineState = async () => {
    const images = await docker.listImages({ all: true });
    const containers = await docker.listContainers({ all: true });
    return { images: images.map((i) => `${i.Id} ${(i.RepoTags ?? []).join(',')}`).sort(), containers: containers.map((c) => c.Id).sort() };
  };
  const expectUnchanged = async (run: () => Promise<{ result: { success: boolean }; output: string }>, message: RegExp) => {
    const before = await engineState();
    const { result, output } = await run();
    expect(result.success).toBe(false);
    expect(output).toMatch(message);
    expect(await engineState()).toEqual(before);
    return output;
  };
  const write = (path: string, content: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };

  beforeAll(() => {
    execFileSync('bash', [ENSURE_DOCKER, '--second'], { stdio: 'pipe', timeout: 90_000 });
  }, 120_000);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'org-go-bad-input-'));
    write(`${projectRoot}/payload`, 'payload\n');
    write(`${projectRoot}/Dockerfile`, 'FROM scratch\nCOPY payload /payload\nENTRYPOINT ["/payload"]\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a Dockerfile with a syntax error: the engine\'s message with the line, no image, no record', async () => {
    write(`${projectRoot}/Dockerfile`, 'FROM scratch\nCOPPY payload /payload\n');
    await expectUnchanged(() => runCaptured(() => dockerBuildExecutor({}, context(), client)), /line 2: unknown instruction: COPPY/i);
    expect(existsSync(record())).toBe(false);
  });

  it('a .dockerignore that excludes the Dockerfile still builds, as the docker CLI does (the Dockerfile is always sent)', async () => {
    write(`${projectRoot}/.dockerignore`, 'Dockerfile\n.dockerignore\n');
    const { result, output } = await runCaptured(() => dockerBuildExecutor({ tags: ['bad:ignored-dockerfile'] }, context(), client));
    expect(output).not.toMatch(/Cannot locate specified Dockerfile/);
    expect(result.success).toBe(true);
    const image = await docker.getImage('bad:ignored-dockerfile').inspect();
    await docker.getImage(image.Id).remove({ force: true });
  });

  it('a .dockerignore that excludes a file the Dockerfile copies: the engine names it', async () => {
    write(`${projectRoot}/.dockerignore`, 'payload\n');
    await expectUnchanged(() => runCaptured(() => dockerBuildExecutor({ tags: ['bad:missing-file'] }, context(), client)), /payload/);
    expect(existsSync(record())).toBe(false);
  });

  it('invalid options and an unknown project fail before the engine is asked anything', async () => {
    await expectUnchanged(() => runCaptured(() => dockerBuildExecutor({ tags: ['Bad Tag!'] }, context(), client)), /Bad Tag!/);
    await expectUnchanged(() => runCaptured(() => dockerBuildExecutor({ dockerfile: '../../../etc/passwd' }, context(), client)), /points outside the workspace/);
    const unknown = { ...context(), projectName: 'nope' };
    await expectUnchanged(() => runCaptured(() => dockerBuildExecutor({}, unknown, client)), /Project "nope" is not in the workspace\. Check the name with "nx show projects"/);
  });

  it('a corrupt image.json, or one of another project: every consumer says which build target to run', async () => {
    write(`dist/${projectRoot}/docker/image.json`, '{ "id": "sha256:');
    for (const run of [
      () => runCaptured(() => dockerTagExecutor({ version: '1.0.0' }, context(), client)),
      () => runCaptured(() => dockerRunExecutor({ detach: true }, context(), client)),
      () => runCaptured(() => dockerScanExecutor({ scanner: 'govulncheck', scannerPath: '/bin/true' }, context(), client)),
    ]) {
      await expectUnchanged(run, /image\.json is not valid JSON\. Delete it and run "nx run bad:docker-build --skip-nx-cache"|did not print a govulncheck version/);
    }
    write(`dist/${projectRoot}/docker/image.json`, JSON.stringify({ projectName: 'orders', id: `sha256:${'a'.repeat(64)}`, tags: ['orders:latest'] }));
    await expectUnchanged(
      () => runCaptured(() => dockerTagExecutor({ version: '1.0.0' }, context(), client)),
      /records an image of "orders", not "bad"\. Delete it and run "nx run bad:docker-build --skip-nx-cache"/,
    );
    await expectUnchanged(() => runCaptured(() => dockerRunExecutor({ detach: true }, context(), client)), /records an image of "orders", not "bad"/);
  });
});
