/**
 * Secrets planted in a service folder and in a workspace library it imports never reach the engine:
 * not in the build context the executor sends (the exact tar, captured on its way to the engine),
 * not in any layer of the image (`docker save`), not even in the builder stage.
 */
import Dockerode from 'dockerode';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { createBuildContext, DockerClient, type BuildOptions, type ProgressEvent } from '../docker';
import { libraryGenerator } from '../generators/library/library';
import { serviceGenerator } from '../generators/service/service';
import { describeDocker } from '../testing/docker';
import { captureLogs } from '../testing/logs';
import { executorContext, generateWorkspace } from '../testing/workspace';
import { detectGoVersion } from '../utils/go-version';
import type { ImageMetadata } from '../utils/image-metadata';
import { dockerBuildExecutor } from './docker-build/docker-build';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tarStream = require('tar-stream') as { extract: () => NodeJS.WritableStream & NodeJS.EventEmitter };

interface TarEntry {
  name: string;
  type: string;
  content: Buffer;
}

/** Every entry of a tar (gzip-compressed or not), with its content. */
async function readTar(input: Buffer | NodeJS.ReadableStream, onEntry: (entry: TarEntry) => void): Promise<void> {
  let source: NodeJS.ReadableStream;
  if (Buffer.isBuffer(input)) {
    const plain = input.length > 2 && input[0] === 0x1f && input[1] === 0x8b ? gunzipSync(input) : input;
    source = Readable.from([plain]);
  } else {
    source = input;
  }
  await new Promise<void>((resolve, reject) => {
    const extract = tarStream.extract();
    extract.on('entry', (header: { name: string; type: string }, stream: NodeJS.ReadableStream, next: () => void) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('end', () => {
        try {
          onEntry({ name: header.name.replace(/^\.\//, ''), type: header.type, content: Buffer.concat(chunks) });
          next();
        } catch (err) {
          reject(err);
        }
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    source.on('error', reject);
    source.pipe(extract);
  });
}

/** Passes everything to the engine, keeping a copy of each build context tar it sends. */
class RecordingClient extends DockerClient {
  readonly contexts: Buffer[] = [];

  override async buildImage(context: NodeJS.ReadableStream, options: BuildOptions, onEvent: (event: ProgressEvent) => void): Promise<{ imageId: string }> {
    const chunks: Buffer[] = [];
    for await (const chunk of context as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    const tar = Buffer.concat(chunks);
    this.contexts.push(tar);
    return super.buildImage(Readable.from([tar]), options, onEvent);
  }
}

const MARKER = 'ORG_GO_SECRET_';
/** Paths planted in each folder, relative to it. */
const PLANTED = [
  '.env',
  '.env.production',
  'id_rsa',
  'id_ed25519',
  'server.pem',
  'tls.key',
  '.npmrc',
  '.git/config',
  'secrets/app.p12',
  'internal/server/.env',
];
/** File names no context or layer may hold (`config` only under `.git`, checked as a path component). */
const PLANTED_BASENAMES = new Set(PLANTED.map((path) => posix.basename(path)).filter((base) => base !== 'config'));

function plantSecrets(dir: string, first: number): string[] {
  return PLANTED.map((path, i) => {
    const marker = `${MARKER}${first + i}`;
    const content =
      path === '.npmrc'
        ? `//npm.example.com/:_authToken=npm_${marker}\n`
        : path === '.git/config'
          ? `[remote "origin"]\n\turl = https://deploy:${marker}@git.example.com/org/repo.git\n`
          : path.endsWith('id_rsa') || path.endsWith('id_ed25519') || path.endsWith('.pem') || path.endsWith('.key')
            ? `-----BEGIN PRIVATE KEY-----\n${marker}\n-----END PRIVATE KEY-----\n`
            : `TOKEN=${marker}\n`;
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    return marker;
  });
}

/** What a tar (or an image layer) holds that it must not: planted paths, secret file names, markers. */
function leaks(entry: TarEntry, plantedPaths: Set<string>, checkNames: boolean): string[] {
  const found: string[] = [];
  const name = entry.name.replace(/\/$/, '');
  if (plantedPaths.has(name)) found.push(`planted path ${name}`);
  if (checkNames) {
    const parts = name.split('/');
    // A folder whose files are all ignored is still sent as an empty directory entry (a name, no content,
    // e.g. `secrets/`); anything inside it, or any `.git` entry at all, is a leak.
    const isDir = entry.type === 'directory';
    if ((!isDir && PLANTED_BASENAMES.has(parts[parts.length - 1])) || parts.includes('.git') || (!isDir && parts.includes('secrets'))) {
      found.push(`secret-named entry ${name}`);
    }
  }
  const at = entry.content.indexOf(MARKER);
  if (at >= 0) found.push(`marker ${entry.content.subarray(at, at + MARKER.length + 3).toString()} in ${name}`);
  return found;
}

/** `docker save` of an image, every layer walked: what leaked, and the files the layers hold. */
async function scanImage(docker: Dockerode, imageId: string, checkName: (path: string) => boolean): Promise<{ leaked: string[]; files: Set<string>; layers: number }> {
  const leaked: string[] = [];
  const files = new Set<string>();
  let layers = 0;
  const layerEntries: Array<{ name: string; content: Buffer }> = [];
  const saved = (await docker.getImage(imageId).get()) as NodeJS.ReadableStream;
  await readTar(saved, (entry) => {
    if (entry.type !== 'file') return;
    // Docker 20.10: <id>/layer.tar; OCI layout: blobs/sha256/<digest>. Config and manifests are scanned too.
    if (entry.name.endsWith('layer.tar') || entry.name.startsWith('blobs/')) layerEntries.push(entry);
    else leaked.push(...leaks({ ...entry, type: 'file' }, new Set(), false).map((leak) => `${leak} (image metadata)`));
  });
  for (const layer of layerEntries) {
    const isTar = layer.content.length > 2 && layer.content[0] === 0x1f && layer.content[1] === 0x8b ? true : layer.content.subarray(257, 262).toString() === 'ustar';
    if (!isTar) {
      leaked.push(...leaks({ ...layer, type: 'file' }, new Set(), false).map((leak) => `${leak} (image metadata)`));
      continue;
    }
    layers += 1;
    await readTar(layer.content, (entry) => {
      if (entry.type === 'file') files.add(entry.name);
      leaked.push(...leaks(entry, new Set(), checkName(entry.name)).map((leak) => `${leak} (layer ${layer.name})`));
    });
  }
  return { leaked, files, layers };
}

describeDocker('secrets planted in a service and the library it imports', () => {
  const docker = new Dockerode();
  const client = new RecordingClient(new Dockerode());
  const name = `secrets-${Date.now().toString(36)}`;
  const projectRoot = `apps/${name}`;
  const libRoot = 'libs/vault';
  let root: string;
  let serviceDir: string;
  let libDir: string;
  const markers: string[] = [];
  const builtImages: string[] = [];

  beforeAll(async () => {
    root = await generateWorkspace(async (tree) => {
      await serviceGenerator(tree, { name, goVersion: detectGoVersion() });
      await libraryGenerator(tree, { name: 'vault', goVersion: detectGoVersion() });
    }, 'org-go-secrets-');
    serviceDir = join(root, projectRoot);
    libDir = join(root, libRoot);
    const libModule = /^module (\S+)$/m.exec(readFileSync(join(libDir, 'go.mod'), 'utf8'))?.[1];
    writeFileSync(
      join(serviceDir, 'internal/server/label.go'),
      `package server\n\nimport "${libModule}"\n\n// Label is a tidy display label.\nfunc Label(s string) string { return vault.Normalize(s) }\n`,
    );
    markers.push(...plantSecrets(serviceDir, 1), ...plantSecrets(libDir, 101));
  });

  afterAll(async () => {
    const tagged = await docker.listImages({ filters: { reference: [name] } });
    const ids = new Set([...builtImages, ...tagged.map((image) => image.Id)]);
    for (const id of ids) await docker.getImage(id).remove({ force: true }).catch(() => undefined);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const plantedInContext = new Set([...PLANTED, ...PLANTED.map((path) => `_local/${libRoot}/${path}`)]);

  it('the planted files are there to be found, with distinct markers', () => {
    expect(markers).toHaveLength(2 * PLANTED.length);
    expect(new Set(markers).size).toBe(markers.length);
    expect(readFileSync(join(libDir, 'internal/server/.env'), 'utf8')).toContain(`${MARKER}110`);
  });

  it('the single-module context from createBuildContext has the sources and no secret', async () => {
    const context = createBuildContext(serviceDir, 'Dockerfile');
    const entries: TarEntry[] = [];
    await Promise.all([readTar(context.stream, (entry) => entries.push(entry)), context.done]);
    const names = entries.map((entry) => entry.name);
    expect(names).toEqual(expect.arrayContaining(['go.mod', 'Dockerfile', `cmd/${name}/main.go`, 'internal/server/server.go', 'internal/server/label.go']));
    // The scan itself can see a marker when one is there.
    expect(leaks({ name: 'x', type: 'file', content: Buffer.from(`a ${MARKER}7 b`) }, new Set(), false)).toHaveLength(1);
    expect(entries.flatMap((entry) => leaks(entry, plantedInContext, true))).toEqual([]);
  });

  it('docker-build sends a multi-module context with both modules\' sources and no secret, and no layer holds one', async () => {
    const logs = captureLogs();
    let result: { success: boolean };
    try {
      result = await dockerBuildExecutor({ quiet: true }, executorContext(root, name, projectRoot), client);
    } finally {
      logs.restore();
    }
    expect(result.success).toBe(true);
    expect(logs.text()).toContain(`Adding the workspace modules it imports: ${libRoot}`);
    expect(client.contexts).toHaveLength(1);

    const entries: TarEntry[] = [];
    await readTar(client.contexts[0], (entry) => entries.push(entry));
    const names = entries.map((entry) => entry.name);
    expect(names).toEqual(
      expect.arrayContaining(['go.mod', 'go.work', `cmd/${name}/main.go`, 'internal/server/label.go', `_local/${libRoot}/go.mod`, `_local/${libRoot}/vault.go`]),
    );
    expect(entries.flatMap((entry) => leaks(entry, plantedInContext, true))).toEqual([]);

    const metadata = JSON.parse(readFileSync(join(root, 'dist', projectRoot, 'docker', 'image.json'), 'utf8')) as ImageMetadata;
    builtImages.push(metadata.id);
    const image = await scanImage(docker, metadata.id, () => true);
    expect(image.layers).toBeGreaterThan(0);
    expect(image.files).toContain(name); // the binary, /<name>: the walk does see the image's files
    expect(image.leaked).toEqual([]);
  });

  it('even the builder stage image (target build) holds no secret', async () => {
    const logs = captureLogs();
    let result: { success: boolean };
    try {
      result = await dockerBuildExecutor({ quiet: true, target: 'build', tags: [`${name}:builder`] }, executorContext(root, name, projectRoot), client);
    } finally {
      logs.restore();
    }
    expect(result.success).toBe(true);
    expect(client.contexts).toHaveLength(2);
    const builder = await docker.getImage(`${name}:builder`).inspect();
    builtImages.push(builder.Id);
    // The Go toolchain's own tree has test keys and .pem files: names are checked where the context went (/src).
    const image = await scanImage(docker, builder.Id, (path) => path.startsWith('src/'));
    expect(image.files).toContain('src/go.mod');
    expect(image.files).toContain(`src/_local/${libRoot}/go.mod`);
    expect(image.files).toContain(`out/${name}`);
    expect(image.leaked).toEqual([]);
  }, 300_000);
});
