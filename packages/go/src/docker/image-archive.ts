/**
 * Image archives written without a Dockerfile build: layers and config assembled here, in the
 * `docker save` layout that `POST /images/load` reads (every engine since 1.10, and Podman).
 *
 * An image id is the sha256 of its config JSON, and the config names each layer by the sha256 of
 * its uncompressed tar (diff id). Everything below is a pure function of its inputs, so the same
 * inputs give the same image id on any machine and any engine.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { readTar, writeTar } from './tar';

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The diff id of a layer blob: the sha256 of its uncompressed tar (some engines export gzip-compressed layers). */
export function layerDiffId(layer: Buffer): string {
  return sha256Digest(layer[0] === 0x1f && layer[1] === 0x8b ? gunzipSync(layer) : layer);
}

/** `linux/amd64`, `linux/arm64/v8` → the config's os, architecture and variant. */
export interface ImagePlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export function parsePlatform(platform: string): ImagePlatform {
  const [os, architecture, variant] = platform.split('/');
  if (!os || !architecture) throw new Error(`Platform "${platform}" is not os/architecture[/variant], e.g. linux/amd64.`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Docker's HEALTHCHECK settings (durations in nanoseconds, as the config stores them). */
export interface HealthcheckConfig {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** What the final image runs with: the runtime part of a Dockerfile's last stage. */
export interface RuntimeSettings {
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  /** `KEY=value`, applied over the base image's variables in order. */
  env: string[];
  /** `8080/tcp` */
  exposedPorts: string[];
  workingDir?: string;
  labels: Record<string, string>;
  healthcheck?: HealthcheckConfig;
}

/** The base image, as the engine exported it. */
export interface BaseImage {
  /** The config JSON as stored (its sha256 is the base image id). */
  config: ImageConfigJson;
  /** Layer blobs as exported, bottom first (uncompressed tars, or gzip from some engines); `layerDiffId(layers[i])` is `config.rootfs.diff_ids[i]`. */
  layers: Buffer[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The fields of an image config this module reads and writes (others of a base are kept as they are). */
export interface ImageConfigJson {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, Record<string, never>>;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    Healthcheck?: HealthcheckConfig;
    [key: string]: unknown;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

/** The PATH the classic builder gives images whose base sets none (scratch). */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function mergeEnv(base: string[], added: string[]): string[] {
  const result = [...base];
  for (const entry of added) {
    const key = entry.split('=')[0];
    const index = result.findIndex((existing) => existing.split('=')[0] === key);
    if (index >= 0) result[index] = entry;
    else result.push(entry);
  }
  return result;
}

function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface NewLayer {
  /** The uncompressed layer tar. */
  tar: Buffer;
  /** For `docker history`: the instruction it stands for. */
  createdBy: string;
}

export interface ImageConfigInput {
  base?: ImageConfigJson;
  platform: ImagePlatform;
  /** RFC 3339 time written as the image's and its new history entries' creation time. */
  created: string;
  runtime: RuntimeSettings;
  layers: NewLayer[];
}

/**
 * The config JSON text of an image made of the base's layers and `layers`, with the base's settings
 * overridden by `runtime` as a Dockerfile's last stage would. Key order is fixed and map keys are
 * sorted, so equal inputs give byte-equal JSON (and an equal image id).
 */
export function buildImageConfig(input: ImageConfigInput): string {
  const base = input.base?.config ?? {};
  if (input.base && (input.base.os !== input.platform.os || input.base.architecture !== input.platform.architecture)) {
    throw new Error(
      `The base image is ${input.base.os}/${input.base.architecture}, not ${input.platform.os}/${input.platform.architecture}. Use a base image of that platform or set "platform" to match it.`,
    );
  }
  const baseEnv = base.Env ?? [];
  const env = mergeEnv(baseEnv.some((entry) => entry.startsWith('PATH=')) ? baseEnv : [DEFAULT_PATH, ...baseEnv], input.runtime.env);
  const exposed: Record<string, Record<string, never>> = { ...(base.ExposedPorts ?? {}) };
  for (const port of input.runtime.exposedPorts) exposed[port] = {};
  const labels = { ...(base.Labels ?? {}), ...input.runtime.labels };
  const entrypoint = input.runtime.entrypoint ?? base.Entrypoint ?? undefined;
  // As in a Dockerfile, setting ENTRYPOINT resets a CMD inherited from the base.
  const cmd = input.runtime.cmd ?? (input.runtime.entrypoint ? undefined : (base.Cmd ?? undefined));
  const user = input.runtime.user ?? base.User;
  const workingDir = input.runtime.workingDir ?? base.WorkingDir;
  const healthcheck = input.runtime.healthcheck ?? base.Healthcheck;

  const config: NonNullable<ImageConfigJson['config']> = {};
  if (user) config.User = user;
  if (Object.keys(exposed).length > 0) config.ExposedPorts = sortedRecord(exposed);
  config.Env = env;
  if (entrypoint) config.Entrypoint = entrypoint;
  if (cmd) config.Cmd = cmd;
  if (workingDir) config.WorkingDir = workingDir;
  if (Object.keys(labels).length > 0) config.Labels = sortedRecord(labels);
  if (healthcheck) {
    config.Healthcheck = {
      Test: healthcheck.Test,
      ...(healthcheck.Interval ? { Interval: healthcheck.Interval } : {}),
      ...(healthcheck.Timeout ? { Timeout: healthcheck.Timeout } : {}),
      ...(healthcheck.StartPeriod ? { StartPeriod: healthcheck.StartPeriod } : {}),
      ...(healthcheck.Retries ? { Retries: healthcheck.Retries } : {}),
    };
  }

  const image: ImageConfigJson = {
    architecture: input.platform.architecture,
    ...(input.platform.variant ? { variant: input.platform.variant } : {}),
    os: input.platform.os,
    created: input.created,
    config,
    rootfs: {
      type: 'layers',
      diff_ids: [...(input.base?.rootfs.diff_ids ?? []), ...input.layers.map((layer) => sha256Digest(layer.tar))],
    },
    history: [
      ...(input.base?.history ?? []),
      ...input.layers.map((layer) => ({ created: input.created, created_by: layer.createdBy, comment: 'prebuilt by @org/go' })),
    ],
  };
  return JSON.stringify(image);
}

export interface ImageArchive {
  /** The `docker save` tar to send to `POST /images/load`. */
  archive: Buffer;
  /** `sha256:…` of the config: the id the engine will give the image. */
  imageId: string;
  /** Layers in the archive (base and new), bottom first. */
  diffIds: string[];
}

/**
 * The `docker save` layout: `manifest.json`, the config as `<hex>.json` and every layer as
 * `<diff id hex>/layer.tar` (uncompressed). No repository tags: the caller tags after loading.
 */
export function writeImageArchive(configJson: string, layers: Buffer[]): ImageArchive {
  const config = JSON.parse(configJson) as ImageConfigJson;
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== layers.length) throw new Error(`The image config names ${diffIds.length} layers, but ${layers.length} were given.`);
  layers.forEach((layer, index) => {
    if (layerDiffId(layer) !== diffIds[index]) throw new Error(`Layer ${index + 1} does not match its diff id ${diffIds[index]}.`);
  });
  const imageId = sha256Digest(configJson);
  const hex = (digest: string) => digest.replace(/^sha256:/, '');
  const layerPaths = diffIds.map((diffId) => `${hex(diffId)}/layer.tar`);
  const manifest = [{ Config: `${hex(imageId)}.json`, RepoTags: null, Layers: layerPaths }];
  const entries = new Map<string, Buffer>();
  entries.set(`${hex(imageId)}.json`, Buffer.from(configJson));
  diffIds.forEach((diffId, index) => entries.set(`${hex(diffId)}/layer.tar`, layers[index]));
  entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  const dirs = [...new Set(diffIds.map(hex))];
  const archive = writeTar(
    [
      ...dirs.map((dir) => ({ name: dir, type: 'directory' as const, mode: 0o755 })),
      ...[...entries].map(([name, content]) => ({ name, type: 'file' as const, mode: 0o644, content })),
    ],
    { mtime: 0 },
  );
  return { archive, imageId, diffIds };
}

/**
 * The config and layers of the image in an engine's export (`GET /images/{id}/get`, `docker save`),
 * checked against each other: each layer's sha256 must be its diff id.
 */
export function readImageArchive(archive: Buffer): BaseImage & { configJson: string } {
  const files = new Map(readTar(archive).filter((entry) => entry.type === 'file').map((entry) => [entry.name, entry.content]));
  const manifestFile = files.get('manifest.json');
  if (!manifestFile) throw new Error('The exported image has no manifest.json.');
  const manifest = JSON.parse(manifestFile.toString('utf8')) as Array<{ Config: string; Layers: string[] }>;
  if (manifest.length !== 1) throw new Error(`The exported archive holds ${manifest.length} images; expected one.`);
  const configFile = files.get(manifest[0].Config);
  if (!configFile) throw new Error(`The exported image has no config ${manifest[0].Config}.`);
  const configJson = configFile.toString('utf8');
  const config = JSON.parse(configJson) as ImageConfigJson;
  const layers = manifest[0].Layers.map((path) => {
    const layer = files.get(path);
    if (!layer) throw new Error(`The exported image has no layer ${path}.`);
    return layer;
  });
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layers.length) throw new Error(`The exported image config names ${diffIds.length} layers, but the archive holds ${layers.length}.`);
  layers.forEach((layer, index) => {
    if (layerDiffId(layer) !== diffIds[index]) {
      throw new Error(`Layer ${manifest[0].Layers[index]} of the exported image does not hold layer ${diffIds[index]}; this engine's export cannot be reused.`);
    }
  });
  return { config, configJson, layers };
}
