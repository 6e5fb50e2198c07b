import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushRecordPath, readImageMetadata, withPushRecord, writeImageMetadata, writePushRecord, type ImageMetadata } from './image-metadata';

const ID = `sha256:${'a'.repeat(64)}`;
const built: ImageMetadata = {
  projectName: 'orders',
  id: ID,
  tags: ['orders:latest'],
  size: 1,
  labels: {},
  dockerfile: 'apps/orders/Dockerfile',
  context: '.',
  contextBytes: 1,
  contextFiles: 1,
  buildSeconds: 1,
  builtAt: '2026-11-27T00:00:00.000Z',
  engine: 'unix:///var/run/docker.sock',
};
const push = { projectName: 'orders', id: ID, repoDigests: [`127.0.0.1:5000/orders@sha256:${'d'.repeat(64)}`], digests: { '127.0.0.1:5000/orders:1.0.0': `sha256:${'d'.repeat(64)}` }, pushedAt: '2026-11-27T01:00:00.000Z' };

describe('image.json and the push record beside it', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'org-go-metadata-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads the push record of the same image with image.json', () => {
    writeImageMetadata(root, 'apps/orders', built);
    expect(readImageMetadata(root, 'apps/orders', 'orders').repoDigests).toBeUndefined();
    expect(writePushRecord(root, 'apps/orders', push)).toBe(join(root, pushRecordPath('apps/orders')));
    expect(readImageMetadata(root, 'apps/orders', 'orders')).toEqual({ ...built, repoDigests: push.repoDigests, digests: push.digests, pushedAt: push.pushedAt });
  });

  it('ignores a push record of another image or project, and one that is not JSON', () => {
    expect(withPushRecord(built, { ...push, id: `sha256:${'b'.repeat(64)}` })).toEqual(built);
    expect(withPushRecord(built, { ...push, projectName: 'billing' })).toEqual(built);
    expect(withPushRecord(built, undefined)).toEqual(built);
    writeImageMetadata(root, 'apps/orders', built);
    writeFileSync(join(root, pushRecordPath('apps/orders')), '{ not json');
    expect(readImageMetadata(root, 'apps/orders', 'orders')).toEqual(built);
  });

  it('keeps digests image.json already lists (records written before push.json existed)', () => {
    const older = `127.0.0.1:5001/orders@sha256:${'e'.repeat(64)}`;
    expect(withPushRecord({ ...built, repoDigests: [older] }, push).repoDigests).toEqual([older, ...push.repoDigests]);
  });
});
