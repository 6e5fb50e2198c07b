import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { biggestEntries, createBuildContext } from './build-context';

describe('createBuildContext sizes', () => {
  it('counts the tar bytes of each top-level entry, added folders under their prefix', async () => {
    const root = mkdtempSync(join(tmpdir(), 'org-go-context-'));
    try {
      const service = join(root, 'apps/orders');
      mkdirSync(join(service, 'testdata'), { recursive: true });
      mkdirSync(join(service, 'internal'), { recursive: true });
      mkdirSync(join(root, 'libs/money'), { recursive: true });
      writeFileSync(join(service, 'Dockerfile'), 'FROM scratch\n');
      writeFileSync(join(service, 'go.mod'), 'module x\n');
      writeFileSync(join(service, 'testdata/big.bin'), Buffer.alloc(100_000));
      writeFileSync(join(service, 'internal/a.go'), 'package internal\n');
      writeFileSync(join(root, 'libs/money/money.go'), 'package money\n');
      const context = createBuildContext(service, 'Dockerfile', { folders: [{ dir: join(root, 'libs/money'), prefix: '_local/libs/money' }], files: [{ name: 'go.work', content: 'go 1.26\n' }] });
      let streamed = 0;
      context.stream.on('data', (chunk: Buffer) => (streamed += chunk.length));
      const totals = await context.done;
      expect(totals.bytes).toBe(streamed);
      expect(totals.byEntry).toEqual({
        Dockerfile: 1024,
        'go.mod': 1024,
        internal: 512 + 1024,
        testdata: 512 + 512 + 100_352,
        '_local/libs/money/money.go': 1024,
        'go.work': 1024,
      });
      expect(biggestEntries(totals.byEntry, 2)).toEqual([
        { entry: 'testdata', bytes: 101_376 },
        { entry: 'internal', bytes: 1536 },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
