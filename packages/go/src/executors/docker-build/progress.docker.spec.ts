/**
 * What docker-build shows while the engine builds (multistage): the engine's `Step n/m` lines, cache
 * hits counted from the engine's own output, one summary line, a warning for a big context, and the
 * failing step with its exit code. Then the prebuilt image of the same service against the
 * multistage one: same runtime settings, same files.
 */
import Dockerode from 'dockerode';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerClient, type BuildOptions, type ProgressEvent } from '../../docker';
import { readImageArchive } from '../../docker/image-archive';
import { BuildProgress } from '../../docker/progress';
import { readTar } from '../../docker/tar';
import { serviceGenerator } from '../../generators/service/service';
import { describeDocker } from '../../testing/docker';
import { captureLogs } from '../../testing/logs';
import { executorContext, generateWorkspace } from '../../testing/workspace';
import { detectGoVersion } from '../../utils/go-version';
import type { ImageMetadata } from '../../utils/image-metadata';
import { dockerBuildExecutor } from './docker-build';
import type { DockerBuildExecutorSchema } from './schema';

/** Passes everything to the engine, keeping every progress event it sent. */
class RecordingClient extends DockerClient {
  events: ProgressEvent[] = [];

  override async buildImage(context: NodeJS.ReadableStream, options: BuildOptions, onEvent: (event: ProgressEvent) => void): Promise<{ imageId: string }> {
    this.events = [];
    return super.buildImage(context, options, (event) => {
      this.events.push(event);
      onEvent(event);
    });
  }
}

/** Files of an image, top layer winning, with mode and owner. */
async function imageFiles(docker: Dockerode, id: string): Promise<Map<string, { mode: number; uid: number; content: string }>> {
  const stream = await docker.getImage(id).get();
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const { layers } = readImageArchive(Buffer.concat(chunks));
  const files = new Map<string, { mode: number; uid: number; content: string }>();
  for (const layer of layers) {
    for (const entry of readTar(layer)) {
      const content = entry.type === 'file' && entry.content.length < 10_000 ? entry.content.toString('utf8') : `${entry.type}:${entry.content.length}`;
      // Permission bits only: the engine's tars also carry the file type bits in the mode field.
      files.set(entry.name, { mode: entry.mode & 0o7777, uid: entry.uid, content });
    }
  }
  return files;
}

describeDocker('docker-build progress and summary on a real Docker engine', () => {
  const docker = new Dockerode();
  const client = new RecordingClient(new Dockerode(), DockerClient.fromEnvironment().endpoint);
  const name = `prog${Date.now().toString(36)}`;
  const projectRoot = `apps/${name}`;
  let root: string;

  const build = async (options: DockerBuildExecutorSchema) => {
    const logs = captureLogs();
    let result: { success: boolean };
    try {
      result = await dockerBuildExecutor(options, executorContext(root, name, projectRoot), client);
    } finally {
      logs.restore();
    }
    const record = JSON.parse(readFileSync(join(root, 'dist', projectRoot, 'docker/image.json'), 'utf8')) as ImageMetadata & { mode: string };
    return { success: result.success, output: logs.text(), record };
  };

  beforeAll(async () => {
    root = await generateWorkspace((tree) => serviceGenerator(tree, { name, goVersion: detectGoVersion() }));
  });

  afterAll(async () => {
    const images = await docker.listImages({ filters: { reference: [name] } });
    await Promise.all(images.map((image) => docker.getImage(image.Id).remove({ force: true }).catch(() => undefined)));
    rmSync(root, { recursive: true, force: true });
  });

  let multistageId: string;

  it('shows the engine steps, counts cache hits from its output, warns about a big context and ends with one summary line', async () => {
    await build({}); // warm the layer cache for this service
    writeFileSync(join(root, projectRoot, 'internal/server/routes.go'), `${readFileSync(join(root, projectRoot, 'internal/server/routes.go'), 'utf8')}\n// edited\n`);
    const { success, output, record } = await build({ contextWarnBytes: 10_000 });
    expect(success).toBe(true);
    multistageId = record.id;
    expect(record.mode).toBe('multistage');

    // The parser on the engine's real output agrees with the engine's own lines.
    const raw = client.events.map((event) => event.stream ?? '').join('');
    const reparsed = new BuildProgress('quiet');
    client.events.forEach((event) => reparsed.onEvent(event));
    reparsed.finish();
    const rawSteps = raw.match(/^Step \d+\/\d+ : /gm) ?? [];
    const rawHits = raw.match(/^ ---> Using cache$/gm) ?? [];
    expect(reparsed.steps).toHaveLength(rawSteps.length);
    expect(reparsed.cacheHits).toBe(rawHits.length);
    expect(reparsed.cacheHits).toBeGreaterThan(5); // builder setup and `go mod download` were reused
    expect(reparsed.steps.find((step) => /go build/.test(step.instruction))?.cached).toBe(false);

    // Plain lines (no TTY here): the engine's lines as they are, no carriage returns.
    expect(output).toMatch(/^Step 1\/\d+ : ARG BUILDER_IMAGE/m);
    expect(output).toMatch(/^ ---> Using cache$/m);
    expect(output).not.toMatch(/\r/);
    expect(output).toContain(
      `Built ${name}:latest ${record.id.slice(7, 19)} · ${(record.size / 1e6).toFixed(1)} MB · 2 layers · ${record.buildSeconds.toFixed(1)}s · context`,
    );
    expect(output).toContain(`cache ${rawHits.length}/${reparsed.totalSteps} steps`);
    expect(output).toMatch(/The build context is [\d.]+ kB \(\d+ files\), more than 10\.0 kB\. Biggest entries: internal \([\d.]+ kB\), /);
    expect(output).toContain(`Add what the image does not need to ${projectRoot}/.dockerignore`);
  });

  it('names the failing step, its exit code and its output when quiet', async () => {
    writeFileSync(join(root, projectRoot, 'Dockerfile.broken'), 'FROM scratch AS base\nFROM golang:1.26-bookworm\nRUN echo "compiling…" && echo "main.go:3:1: syntax error" >&2 && exit 3\n');
    const logs = captureLogs();
    let result: { success: boolean };
    try {
      result = await dockerBuildExecutor({ dockerfile: 'Dockerfile.broken', quiet: true }, executorContext(root, name, projectRoot), client);
    } finally {
      logs.restore();
    }
    expect(result.success).toBe(false);
    expect(logs.text()).toMatch(/returned a non-zero code: 3\nStep 3\/\d+ failed \(exit code 3\): RUN echo/);
    expect(logs.text()).toContain('  | main.go:3:1: syntax error');
    expect(logs.text()).toContain('  | compiling…');
  });

  it('prebuilt gives the multistage image again: same settings, same files, one summary line', async () => {
    const { success, output, record } = await build({ mode: 'prebuilt' });
    expect(success).toBe(true);
    expect(output).toMatch(new RegExp(`^Built ${name}:latest [0-9a-f]{12} · [\\d.]+ MB · 2 layers · [\\d.]+s · archive [\\d.]+ MB sent · prebuilt, go build [\\d.]+s$`, 'm'));
    const [multi, pre] = await Promise.all([docker.getImage(multistageId).inspect(), docker.getImage(record.id).inspect()]);
    for (const key of ['User', 'Entrypoint', 'Cmd', 'ExposedPorts', 'Env', 'Healthcheck', 'WorkingDir'] as const) {
      expect([key, pre.Config[key]]).toEqual([key, multi.Config[key]]);
    }
    const { ['org.opencontainers.image.created']: created, ...labels } = multi.Config.Labels;
    expect(created).toMatch(/^\d{4}-/);
    expect(pre.Config.Labels).toEqual(labels);
    expect(pre.RootFS.Layers).toHaveLength(multi.RootFS.Layers?.length ?? -1);

    const [multiFiles, preFiles] = await Promise.all([imageFiles(docker, multistageId), imageFiles(docker, record.id)]);
    expect([...preFiles.keys()].sort()).toEqual([...multiFiles.keys()].sort());
    for (const path of ['etc/passwd', 'etc/group']) expect(preFiles.get(path)).toEqual(multiFiles.get(path));
    for (const path of ['tmp', 'etc', name]) {
      expect([path, preFiles.get(path)?.mode, preFiles.get(path)?.uid]).toEqual([path, multiFiles.get(path)?.mode, multiFiles.get(path)?.uid]);
    }
    // eslint-disable-next-line no-console
    console.log(`multistage ${(multi.Size / 1e6).toFixed(2)} MB, prebuilt ${(pre.Size / 1e6).toFixed(2)} MB`);
  });
});
