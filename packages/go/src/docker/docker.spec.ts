import { Readable } from 'node:stream';
import { createContextFilter } from './build-context';
import { demuxBuffer, splitReference } from './client';
import { classifyDockerError } from './errors';
import { followProgress } from './progress';

describe('followProgress', () => {
  const lines = (...messages: string[]) => Readable.from(messages.map((m) => Buffer.from(m)));

  it('reads split JSON lines and resolves with every event', async () => {
    const seen: string[] = [];
    const events = await followProgress(lines('{"stream":"Step 1/2\\n"}\n{"str', 'eam":"Step 2/2\\n"}\n{"aux":{"ID":"sha256:abc"}}'), (e) =>
      seen.push(e.stream ?? e.aux?.ID ?? ''),
    );
    expect(events).toHaveLength(3);
    expect(seen).toEqual(['Step 1/2\n', 'Step 2/2\n', 'sha256:abc']);
  });
  it('rejects on errorDetail although the stream ends normally', async () => {
    await expect(
      followProgress(lines('{"stream":"Step 1/2\\n"}\n', '{"errorDetail":{"code":1,"message":"The command \'/bin/sh -c exit 1\' returned a non-zero code: 1"},"error":"x"}\n')),
    ).rejects.toThrow(/returned a non-zero code: 1/);
  });
  it('rejects on unreadable output', async () => {
    await expect(followProgress(lines('not json\n'))).rejects.toThrow(/unreadable progress message/);
  });
});

describe('createContextFilter', () => {
  const filter = createContextFilter('# comment\n.git\n**/*.pem\n.env*\n!.env.example\ndist\n/Dockerfile\n', ['Dockerfile', '.dockerignore']);
  it.each([
    ['go.mod', true],
    ['cmd/orders/main.go', true],
    ['.git/config', false],
    ['certs/server.pem', false],
    ['.env', false],
    ['.env.local', false],
    ['.env.example', true],
    ['dist/x', false],
    ['Dockerfile', true],
    ['.dockerignore', true],
  ])('%s included=%p', (path, included) => {
    expect(filter.includes(path)).toBe(included);
  });
  it('does not prune folders when exceptions could re-include children', () => {
    expect(filter.prunes('dist')).toBe(false);
    const plain = createContextFilter('node_modules\n', ['Dockerfile']);
    expect(plain.prunes('node_modules')).toBe(true);
    expect(plain.prunes('cmd')).toBe(false);
  });
});

describe('splitReference', () => {
  it.each([
    ['orders', { repo: 'orders', tag: 'latest' }],
    ['orders:abc', { repo: 'orders', tag: 'abc' }],
    ['127.0.0.1:5055/team/orders', { repo: '127.0.0.1:5055/team/orders', tag: 'latest' }],
    ['127.0.0.1:5055/team/orders:1.2', { repo: '127.0.0.1:5055/team/orders', tag: '1.2' }],
  ])('%s', (reference, expected) => {
    expect(splitReference(reference)).toEqual(expected);
  });
});

describe('demuxBuffer', () => {
  it('decodes multiplexed frames and passes plain text through', () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(body.length, 4);
      return Buffer.concat([header, body]);
    };
    expect(demuxBuffer(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]))).toBe('out\nerr\n');
    expect(demuxBuffer(Buffer.from('plain\n'))).toBe('plain\n');
  });
});

describe('classifyDockerError', () => {
  it('names the socket and the next step when the engine is unreachable', () => {
    const err = classifyDockerError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'unix:///var/run/docker.sock', 'Pinging');
    expect(err.kind).toBe('unreachable');
    expect(err.message).toMatch(/Cannot reach the Docker engine at unix:\/\/\/var\/run\/docker.sock \(ECONNREFUSED\)\. Start Docker/);
    expect(classifyDockerError({ code: 'EACCES' }, 'unix:///x', 'x').message).toMatch(/docker" group/);
  });
  it('classifies by status code', () => {
    expect(classifyDockerError({ statusCode: 404, json: { message: 'No such image: x' } }, 'e', 'Inspecting').kind).toBe('not-found');
    expect(classifyDockerError({ statusCode: 409, json: { message: 'in use' } }, 'e', 'Removing').kind).toBe('conflict');
    expect(classifyDockerError({ statusCode: 401 }, 'e', 'Pushing').message).toMatch(/docker login/);
    expect(classifyDockerError({ statusCode: 500, json: { message: 'boom' } }, 'e', 'Building').message).toBe('Building failed: boom');
  });
});
