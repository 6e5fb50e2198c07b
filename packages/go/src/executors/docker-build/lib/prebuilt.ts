/**
 * `mode: prebuilt`: the binary is compiled on the host (host Go build cache, -trimpath) and the image
 * is assembled here — the base image's layers as the engine exports them, one layer of runtime files,
 * one layer with the binary, a config with fixed times — then loaded through the Engine API. No
 * Dockerfile build runs, so nothing in the image depends on when or where it was built: the same
 * sources, Go release, base image and settings give the same image id.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { Readable } from 'node:stream';
import type { DockerClient } from '../../../docker';
import { makeTempDir } from '../../temp-dir';
import {
  buildImageConfig,
  parsePlatform,
  readImageArchive,
  sha256Digest,
  writeImageArchive,
  type BaseImage,
  type ImagePlatform,
  type NewLayer,
} from '../../../docker/image-archive';
import { writeTar, type TarEntry } from '../../../docker/tar';
import { formatBytes } from '../../../utils/format';
import { listGoWorkUses } from '../../../utils/go-work';
import { prebuiltPlan, type PrebuiltPlan } from './dockerfile-plan';

/** The user and group the runtime files name; the image runs as 65532 (USER in the Dockerfile). */
export const RUNTIME_PASSWD = ['root:x:0:0:root:/root:/sbin/nologin', 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin', 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin'];
export const RUNTIME_GROUP = ['root:x:0:', 'nobody:x:65534:', 'nonroot:x:65532:'];
/** Where Go (and most TLS stacks) look for CA certificates on Linux; copied from the host. */
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const OCI_CREATED = 'org.opencontainers.image.created';

/** Seconds since 1970 every time in the image is set to: SOURCE_DATE_EPOCH, else 0. */
export function layerEpoch(env: NodeJS.ProcessEnv): number {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) : 0;
}

/** RFC 3339 without fractions (`1970-01-01T00:00:00Z`), as image configs usually carry it. */
export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The files the generated Dockerfile's build stage puts in `/out/rootfs` (passwd and group naming the
 * unprivileged user 65532, the CA bundle, a world-writable /tmp), owned by root as COPY leaves them.
 */
export function runtimeFilesLayer(caBundle: Buffer | undefined, epoch: number): Buffer {
  const entries: TarEntry[] = [
    { name: 'etc', type: 'directory', mode: 0o755 },
    { name: 'etc/passwd', type: 'file', mode: 0o644, content: Buffer.from(`${RUNTIME_PASSWD.join('\n')}\n`) },
    { name: 'etc/group', type: 'file', mode: 0o644, content: Buffer.from(`${RUNTIME_GROUP.join('\n')}\n`) },
    { name: 'tmp', type: 'directory', mode: 0o1777 },
  ];
  if (caBundle) {
    entries.push(
      { name: 'etc/ssl', type: 'directory', mode: 0o755 },
      { name: 'etc/ssl/certs', type: 'directory', mode: 0o755 },
      { name: 'etc/ssl/certs/ca-certificates.crt', type: 'file', mode: 0o644, content: caBundle },
    );
  }
  return writeTar(entries, { mtime: epoch });
}

/** The binary at `target` (`/orders`, `/app/orders`), with its parent folders. */
export function binaryLayer(binary: Buffer, target: string, epoch: number): Buffer {
  const path = posix.normalize(target).replace(/^\/+/, '');
  const parts = path.split('/');
  const entries: TarEntry[] = parts.slice(0, -1).map((_, index) => ({ name: parts.slice(0, index + 1).join('/'), type: 'directory' as const, mode: 0o755 }));
  entries.push({ name: path, type: 'file', mode: 0o755, content: binary });
  return writeTar(entries, { mtime: epoch });
}

/** Whether the go command should build this module in workspace mode, as the inferred targets decide (GOWORK=off otherwise). */
export function moduleInGoWork(workspaceRoot: string, moduleDir: string): boolean {
  const goWork = join(workspaceRoot, 'go.work');
  if (!existsSync(goWork)) return true;
  const moduleRoot = relative(workspaceRoot, moduleDir).split('\\').join('/') || '.';
  return listGoWorkUses(readFileSync(goWork, 'utf8')).some((use) => posix.normalize(use.replace(/\\/g, '/')).replace(/\/$/, '') === moduleRoot);
}

/** Environment and arguments of the host go build. */
export function goBuildCommand(input: {
  plan: PrebuiltPlan;
  platform: ImagePlatform;
  version: string;
  output: string;
  goWorkOff: boolean;
}): { args: string[]; env: Record<string, string> } {
  const { plan, platform } = input;
  const ldflags = ['-s', '-w', ...(plan.goBuild.stampsVersion ? [`-X main.version=${input.version}`] : [])].join(' ');
  const args = ['build', '-trimpath', '-buildvcs=false', `-ldflags=${ldflags}`];
  if (plan.goBuild.tags) args.push(`-tags=${plan.goBuild.tags}`);
  args.push('-o', input.output, plan.goBuild.packagePath);
  const env: Record<string, string> = { CGO_ENABLED: '0', GOOS: platform.os, GOARCH: platform.architecture };
  if (platform.architecture === 'arm' && platform.variant) env['GOARM'] = platform.variant.replace(/^v/, '');
  if (platform.architecture === 'amd64' && platform.variant) env['GOAMD64'] = platform.variant;
  if (input.goWorkOff) env['GOWORK'] = 'off';
  return { args, env };
}

function runGo(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile('go', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolvePromise();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(new Error('prebuilt mode compiles on this machine, but no `go` command is on PATH. Install Go (https://go.dev/dl/) or use mode "multistage".'));
        return;
      }
      const exit = typeof code === 'number' ? code : (err as { status?: number }).status;
      reject(new Error(`go ${args.join(' ')} failed in ${cwd}${exit !== undefined ? ` (exit code ${exit})` : ''}:\n${stderr.trim()}`));
    });
  });
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export interface PrebuiltInput {
  client: DockerClient;
  workspaceRoot: string;
  /** Build context folder of the Dockerfile: where `go build <packagePath>` runs. */
  contextDir: string;
  dockerfilePath: string;
  /** The build args docker-build would send (VERSION, CREATED, … and the user's). */
  buildArgs: Record<string, string>;
  /** The labels docker-build would send (OCI labels, project, inputs hash, the user's). */
  labels: Record<string, string>;
  platform?: string;
  pull: boolean;
  env: NodeJS.ProcessEnv;
  /** Progress lines (not called when quiet). */
  log: (line: string) => void;
  /** Read the CA bundle (tests pass their own). */
  readCaBundle?: () => Buffer | undefined;
}

export interface PrebuiltResult {
  imageId: string;
  /** Bytes of the archive sent to the engine. */
  archiveBytes: number;
  /** Files in the layers added on top of the base. */
  files: number;
  goBuildSeconds: number;
  runtimeImage: string;
  layers: number;
}

/** Compiles on the host, assembles the image and loads it into the engine; tags are the caller's. */
export async function buildPrebuiltImage(input: PrebuiltInput): Promise<PrebuiltResult> {
  const plan = prebuiltPlan(readFileSync(input.dockerfilePath, 'utf8'), input.buildArgs);
  const epoch = layerEpoch(input.env);
  const created = rfc3339(epoch);

  // The base first: its platform is the default, and a missing base should fail before compiling.
  let base: BaseImage | undefined;
  let baseRef: string | undefined;
  if (plan.runtimeImage !== 'scratch') {
    let inspected = await input.client.inspectImage(plan.runtimeImage);
    if (!inspected || input.pull) {
      if (!input.pull) {
        throw new Error(`The base image ${plan.runtimeImage} is not in the engine (${input.client.endpoint}). Pull it (docker pull ${plan.runtimeImage}) or set "pull": true.`);
      }
      input.log(`pulling ${plan.runtimeImage}`);
      await input.client.pullImage(plan.runtimeImage, {});
      inspected = await input.client.inspectImage(plan.runtimeImage);
      if (!inspected) throw new Error(`Pulled ${plan.runtimeImage}, but the engine cannot find it.`);
    }
    baseRef = inspected.Id;
  }
  const platform = parsePlatform(input.platform ?? (await input.client.enginePlatform()));

  const workDir = makeTempDir('org-go-prebuilt-');
  const work = workDir.path;
  try {
    const binaryPath = join(work, 'binary');
    // go build's own work folder inside ours (unless GOTMPDIR is set): a build killed by a signal leaves
    // it behind, and ours is removed even then.
    const goTmp = input.env.GOTMPDIR ? {} : { GOTMPDIR: join(work, 'go-tmp') };
    if (goTmp.GOTMPDIR) mkdirSync(goTmp.GOTMPDIR);
    const version = input.buildArgs['VERSION'] ?? 'dev';
    const command = goBuildCommand({ plan, platform, version, output: binaryPath, goWorkOff: !moduleInGoWork(input.workspaceRoot, input.contextDir) });
    const goStarted = Date.now();
    try {
      await runGo(command.args, input.contextDir, { ...input.env, ...goTmp, ...command.env });
    } catch (err) {
      if (!/no space left on device/i.test((err as Error).message)) throw err;
      throw new Error(`${(err as Error).message}\nThe binary and go build's own files are written under ${work} (TMPDIR): free some space there, or point TMPDIR at a folder with room.`);
    }
    const goBuildSeconds = (Date.now() - goStarted) / 1000;
    const binary = readFileSync(binaryPath);
    input.log(
      `go build ${plan.goBuild.packagePath} (${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}, CGO_ENABLED=0, -trimpath${command.env['GOWORK'] ? ', GOWORK=off' : ''}): ${formatBytes(binary.length)} in ${goBuildSeconds.toFixed(1)}s`,
    );

    if (baseRef) {
      const exportStarted = Date.now();
      const exported = readImageArchive(await readStream(await input.client.exportImage(baseRef)));
      if (sha256Digest(exported.configJson) !== baseRef) {
        throw new Error(`The engine exported a different image than ${plan.runtimeImage} (${baseRef}); try again.`);
      }
      base = exported;
      input.log(`base ${plan.runtimeImage}: ${base.layers.length} ${base.layers.length === 1 ? 'layer' : 'layers'} reused as exported (${formatBytes(base.layers.reduce((sum, layer) => sum + layer.length, 0))}, ${((Date.now() - exportStarted) / 1000).toFixed(1)}s)`);
    }

    const layers: NewLayer[] = [];
    let files = 1;
    if (plan.copiesRootfs) {
      const ca = (input.readCaBundle ?? (() => (existsSync(CA_BUNDLE) ? readFileSync(CA_BUNDLE) : undefined)))();
      if (!ca) input.log(`no CA bundle at ${CA_BUNDLE} on this machine: the image gets none (outgoing TLS will fail on scratch)`);
      layers.push({ tar: runtimeFilesLayer(ca, epoch), createdBy: plan.copyInstructions.rootfs as string });
      files += ca ? 3 : 2;
    }
    layers.push({ tar: binaryLayer(binary, plan.binaryTarget, epoch), createdBy: plan.copyInstructions.binary });
    for (const layer of layers) input.log(`layer ${layer.createdBy}: ${formatBytes(layer.tar.length)} ${sha256Digest(layer.tar).slice(0, 19)}`);

    const labels: Record<string, string> = { ...plan.runtime.labels, ...input.labels };
    // A creation time would make every build a new image; it is kept only when SOURCE_DATE_EPOCH fixes it.
    if (input.env.SOURCE_DATE_EPOCH === undefined || input.env.SOURCE_DATE_EPOCH === '') delete labels[OCI_CREATED];
    else labels[OCI_CREATED] = created;
    const configJson = buildImageConfig({ base: base?.config, platform, created, runtime: { ...plan.runtime, labels }, layers });
    const archive = writeImageArchive(configJson, [...(base?.layers ?? []), ...layers.map((layer) => layer.tar)]);

    const loadStarted = Date.now();
    const { imageIds } = await input.client.loadImage(Readable.from([archive.archive]));
    if (imageIds.length > 0 && !imageIds.includes(archive.imageId)) {
      throw new Error(`The engine loaded ${imageIds.join(', ')} instead of ${archive.imageId}; it may rewrite image configs (is it Docker?).`);
    }
    input.log(`loaded ${archive.imageId.slice(0, 19)} (${formatBytes(archive.archive.length)} archive) in ${((Date.now() - loadStarted) / 1000).toFixed(1)}s`);
    return {
      imageId: archive.imageId,
      archiveBytes: archive.archive.length,
      files,
      goBuildSeconds,
      runtimeImage: plan.runtimeImage,
      layers: archive.diffIds.length,
    };
  } finally {
    workDir.remove();
  }
}
