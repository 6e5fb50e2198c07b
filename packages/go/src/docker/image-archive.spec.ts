import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildImageConfig, DEFAULT_PATH, layerDiffId, parsePlatform, readImageArchive, sha256Digest, writeImageArchive, type ImageConfigJson, type ImageConfigInput } from './image-archive';
import { readTar, writeTar, type TarEntry } from './tar';

const entries: TarEntry[] = [
  { name: 'orders', type: 'file', mode: 0o755, content: Buffer.from('\x7fELF binary') },
  { name: 'etc', type: 'directory', mode: 0o755 },
  { name: 'tmp', type: 'directory', mode: 0o1777 },
  { name: 'etc/passwd', type: 'file', mode: 0o644, content: Buffer.from('root:x:0:0:root:/root:/sbin/nologin\n') },
];

describe('writeTar', () => {
  it('gives the same bytes whatever the order of the entries', () => {
    const a = writeTar(entries, { mtime: 0 });
    const b = writeTar([...entries].reverse(), { mtime: 0 });
    expect(a.equals(b)).toBe(true);
    expect(sha256Digest(a)).toBe(sha256Digest(writeTar(entries.map((entry) => ({ ...entry })), { mtime: 0 })));
    expect(a.length % 512).toBe(0);
  });

  it('sorts paths with directories before what they hold, fixes times and owners', () => {
    const read = readTar(writeTar(entries, { mtime: 1_700_000_000 }));
    expect(read.map((entry) => [entry.name, entry.type, entry.mode.toString(8), entry.uid, entry.gid, entry.mtime])).toEqual([
      ['etc', 'directory', '755', 0, 0, 1_700_000_000],
      ['etc/passwd', 'file', '644', 0, 0, 1_700_000_000],
      ['orders', 'file', '755', 0, 0, 1_700_000_000],
      ['tmp', 'directory', '1777', 0, 0, 1_700_000_000],
    ]);
    expect(read[2].content.toString()).toBe('\x7fELF binary');
    // Another time is another layer.
    expect(sha256Digest(writeTar(entries, { mtime: 1 }))).not.toBe(sha256Digest(writeTar(entries, { mtime: 0 })));
  });

  it('is read by GNU tar as written, long paths included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'org-go-tar-'));
    try {
      const long = `${'a'.repeat(80)}/${'b'.repeat(80)}/file`;
      writeFileSync(join(dir, 'layer.tar'), writeTar([...entries, { name: long, type: 'file', mode: 0o600, content: Buffer.from('x') }], { mtime: 86_400 }));
      const listing = execFileSync('tar', ['--numeric-owner', '-tvf', join(dir, 'layer.tar')], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
      expect(listing.trim().split('\n')).toEqual([
        `-rw------- 0/0               1 1970-01-02 00:00 ${long}`,
        'drwxr-xr-x 0/0               0 1970-01-02 00:00 etc/',
        '-rw-r--r-- 0/0              36 1970-01-02 00:00 etc/passwd',
        '-rwxr-xr-x 0/0              11 1970-01-02 00:00 orders',
        'drwxrwxrwt 0/0               0 1970-01-02 00:00 tmp/',
      ]);
      expect(readTar(writeTar([{ name: long, type: 'file', mode: 0o600, content: Buffer.from('x') }], { mtime: 0 }))[0].name).toBe(long);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses names it cannot write and duplicates', () => {
    expect(() => writeTar([{ name: '../etc/passwd', type: 'file', mode: 0o644 }], { mtime: 0 })).toThrow(/Invalid tar entry name/);
    expect(() => writeTar([{ name: 'x'.repeat(101), type: 'file', mode: 0o644 }], { mtime: 0 })).toThrow(/too long/);
    expect(() => writeTar([entries[0], { ...entries[0] }], { mtime: 0 })).toThrow(/listed twice/);
  });
});

describe('readTar', () => {
  it('reads GNU tar archives with pax and long names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'org-go-tar-'));
    try {
      const long = `${'d'.repeat(120)}`;
      mkdirSync(join(dir, 'src', long), { recursive: true });
      writeFileSync(join(dir, 'src', long, 'f.txt'), 'hello');
      for (const format of ['gnu', 'pax']) {
        execFileSync('tar', [`--format=${format}`, '-cf', join(dir, `${format}.tar`), '-C', join(dir, 'src'), '.']);
        const read = readTar(readFileSync(join(dir, `${format}.tar`)));
        const file = read.find((entry) => entry.name.endsWith('f.txt'));
        expect([format, file?.name, file?.content.toString()]).toEqual([format, `${long}/f.txt`, 'hello']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('buildImageConfig', () => {
  const layer = writeTar(entries, { mtime: 0 });
  const input: ImageConfigInput = {
    platform: parsePlatform('linux/amd64'),
    created: '1970-01-01T00:00:00Z',
    runtime: {
      user: '65532:65532',
      entrypoint: ['/orders'],
      env: ['PORT=8080'],
      exposedPorts: ['8080/tcp'],
      labels: { 'org.opencontainers.image.version': 'dev', 'org.opencontainers.image.title': 'orders' },
      healthcheck: { Test: ['CMD', '/orders', 'healthcheck'], Interval: 5e9, Timeout: 3e9, StartPeriod: 5e9, Retries: 3 },
    },
    layers: [{ tar: layer, createdBy: 'COPY --from=build /out/orders /orders' }],
  };

  it('writes the runtime settings over a scratch base, with the PATH the classic builder adds', () => {
    const config = JSON.parse(buildImageConfig(input)) as ImageConfigJson;
    expect(config).toEqual({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: {
        User: '65532:65532',
        ExposedPorts: { '8080/tcp': {} },
        Env: [DEFAULT_PATH, 'PORT=8080'],
        Entrypoint: ['/orders'],
        Labels: { 'org.opencontainers.image.title': 'orders', 'org.opencontainers.image.version': 'dev' },
        Healthcheck: { Test: ['CMD', '/orders', 'healthcheck'], Interval: 5e9, Timeout: 3e9, StartPeriod: 5e9, Retries: 3 },
      },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'COPY --from=build /out/orders /orders', comment: 'prebuilt by @org/go' }],
    });
  });

  it('gives byte-equal JSON for equal inputs, whatever the order labels were given in', () => {
    const reordered = { ...input, runtime: { ...input.runtime, labels: Object.fromEntries(Object.entries(input.runtime.labels).reverse()) } };
    expect(buildImageConfig(reordered)).toBe(buildImageConfig(input));
    expect(buildImageConfig({ ...input, created: '2023-11-14T22:13:20Z' })).not.toBe(buildImageConfig(input));
  });

  it('keeps the base layers, history and settings, overriding them as a Dockerfile would', () => {
    const base: ImageConfigJson = {
      architecture: 'amd64',
      os: 'linux',
      config: { User: '0', Env: ['PATH=/usr/bin', 'PORT=1'], WorkingDir: '/home/nonroot', Cmd: ['/bin/sh'], Labels: { maintainer: 'x' } },
      rootfs: { type: 'layers', diff_ids: ['sha256:base'] },
      history: [{ created_by: 'base layer' }],
    };
    const config = JSON.parse(buildImageConfig({ ...input, base })) as ImageConfigJson;
    expect(config.rootfs.diff_ids).toEqual(['sha256:base', sha256Digest(layer)]);
    expect(config.history?.map((entry) => entry.created_by)).toEqual(['base layer', 'COPY --from=build /out/orders /orders']);
    expect(config.config?.Env).toEqual(['PATH=/usr/bin', 'PORT=8080']);
    expect(config.config?.WorkingDir).toBe('/home/nonroot');
    expect(config.config?.User).toBe('65532:65532');
    expect(config.config?.Cmd).toBeUndefined(); // ENTRYPOINT resets the base's CMD
    expect(config.config?.Labels).toMatchObject({ maintainer: 'x', 'org.opencontainers.image.title': 'orders' });
  });

  it('refuses a base of another platform', () => {
    const base: ImageConfigJson = { architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
    expect(() => buildImageConfig({ ...input, base })).toThrow(/The base image is linux\/arm64, not linux\/amd64/);
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(() => parsePlatform('amd64')).toThrow(/os\/architecture/);
  });
});

describe('image archives', () => {
  const base = writeTar([{ name: 'etc', type: 'directory', mode: 0o755 }], { mtime: 0 });
  const layer = writeTar(entries, { mtime: 0 });
  const configJson = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256Digest(base), sha256Digest(layer)] } });

  it('writes the docker save layout: the id is the config digest, layers named by diff id', () => {
    const { archive, imageId, diffIds } = writeImageArchive(configJson, [base, layer]);
    expect(imageId).toBe(sha256Digest(configJson));
    const files = new Map(readTar(archive).map((entry) => [entry.name, entry.content.toString('utf8')]));
    const hex = (digest: string) => digest.slice('sha256:'.length);
    expect(JSON.parse(files.get('manifest.json') as string)).toEqual([
      { Config: `${hex(imageId)}.json`, RepoTags: null, Layers: diffIds.map((diffId) => `${hex(diffId)}/layer.tar`) },
    ]);
    expect(files.get(`${hex(imageId)}.json`)).toBe(configJson);
    expect(writeImageArchive(configJson, [base, layer]).archive.equals(archive)).toBe(true);
  });

  it('reads an export back, checking each layer against its diff id (gzip layers too)', () => {
    const { archive } = writeImageArchive(configJson, [base, layer]);
    const read = readImageArchive(archive);
    expect(read.configJson).toBe(configJson);
    expect(read.layers.map((blob) => layerDiffId(blob))).toEqual([sha256Digest(base), sha256Digest(layer)]);
    expect(layerDiffId(gzipSync(layer))).toBe(sha256Digest(layer));
    expect(() => writeImageArchive(configJson, [layer, base])).toThrow(/Layer 1 does not match its diff id/);
    expect(() => writeImageArchive(configJson, [base])).toThrow(/names 2 layers, but 1 were given/);
  });
});
