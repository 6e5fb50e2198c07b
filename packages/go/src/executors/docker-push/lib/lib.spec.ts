import { RegistryError } from '../../../docker/registry';
import { planTags } from '../../../release/tag-set';
import { localDigest, mergeRepoDigests, pushDecision, pushTargets } from './decide';
import { backoffMs, withRetries } from './retry';

describe('withRetries', () => {
  const retryable = (err: unknown) => err instanceof RegistryError && err.retryable;
  const down = () => new RegistryError('down', 'unreachable', undefined, 'ECONNREFUSED');

  it('retries network errors and 5xx with doubling delays, then succeeds', async () => {
    const slept: number[] = [];
    const failures = [down(), new RegistryError('bad gateway', 'server', 502)];
    const result = await withRetries(
      async (attempt) => {
        const failure = failures.shift();
        if (failure) throw failure;
        return `ok after ${attempt}`;
      },
      { retries: 3, delayMs: 500 },
      retryable,
      undefined,
      async (ms) => void slept.push(ms),
    );
    expect(result).toBe('ok after 2');
    expect(slept).toEqual([500, 1000]);
  });

  it('fails at once on 401/403 and other failures', async () => {
    let calls = 0;
    const sleep = jest.fn(async () => undefined);
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw new RegistryError('denied', 'auth', 401);
        },
        { retries: 5, delayMs: 1 },
        retryable,
        undefined,
        sleep,
      ),
    ).rejects.toThrow('denied');
    expect(calls).toBe(1);
    expect(sleep).not.toHaveBeenCalled();
    await expect(withRetries(async () => Promise.reject(new Error('manifest invalid')), { retries: 5, delayMs: 1 }, retryable, undefined, sleep)).rejects.toThrow('manifest invalid');
  });

  it('gives up after the last retry with the last error, reporting each retry', async () => {
    const retries: string[] = [];
    await expect(
      withRetries(
        async () => Promise.reject(down()),
        { retries: 2, delayMs: 100 },
        retryable,
        (err, attempt, delay) => retries.push(`${(err as Error).message} ${attempt} ${delay}`),
        async () => undefined,
      ),
    ).rejects.toThrow('down');
    expect(retries).toEqual(['down 1 100', 'down 2 200']);
    expect(backoffMs({ retries: 3, delayMs: 2000 }, 3)).toBe(8000);
  });
});

describe('push decisions', () => {
  const digest = `sha256:${'1'.repeat(64)}`;
  const other = `sha256:${'2'.repeat(64)}`;

  it('orders targets immutable first and splits host from path', () => {
    const tags = planTags({ projectName: 'orders', version: '1.4.2', repository: '127.0.0.1:5055/team/orders', shortSha: 'abc1234' }).tags;
    expect(pushTargets('127.0.0.1:5055/team/orders', tags).map((t) => `${t.host} ${t.path}:${t.tag}`)).toEqual([
      '127.0.0.1:5055 team/orders:1.4.2',
      '127.0.0.1:5055 team/orders:sha-abc1234',
      '127.0.0.1:5055 team/orders:1.4',
      '127.0.0.1:5055 team/orders:1',
      '127.0.0.1:5055 team/orders:latest',
    ]);
    expect(pushTargets('team/orders', tags.slice(0, 1))[0]).toMatchObject({ host: 'docker.io', path: 'team/orders' });
    expect(pushTargets('orders', tags.slice(0, 1))[0]).toMatchObject({ host: 'docker.io', path: 'library/orders' });
  });

  it.each<[string | undefined, string | undefined, 'skip' | 'push']>([
    [undefined, undefined, 'push'],
    [undefined, digest, 'push'],
    [digest, undefined, 'push'],
    [other, digest, 'push'],
    [digest, digest, 'skip'],
  ])('remote %p, ours %p → %s', (remote, local, decision) => {
    expect(pushDecision(remote, local)).toBe(decision);
  });

  it('finds our digest per repository, Docker Hub names included', () => {
    const repoDigests = [`127.0.0.1:5055/team/orders@${digest}`, `team/orders@${other}`, `orders@${digest}`];
    expect(localDigest(repoDigests, '127.0.0.1:5055/team/orders')).toBe(digest);
    expect(localDigest(repoDigests, 'docker.io/team/orders')).toBe(other);
    expect(localDigest(repoDigests, 'docker.io/library/orders')).toBe(digest);
    expect(localDigest(repoDigests, '127.0.0.1:5056/team/orders')).toBeUndefined();
    expect(localDigest(undefined, 'x')).toBeUndefined();
  });

  it('keeps one repoDigests entry per repository, the newest', () => {
    expect(mergeRepoDigests([`a/x@${other}`, `b/x@${other}`], [{ repository: 'a/x', digest }])).toEqual([`a/x@${digest}`, `b/x@${other}`]);
    expect(mergeRepoDigests(undefined, [{ repository: 'a/x', digest }, { repository: 'a/x', digest }])).toEqual([`a/x@${digest}`]);
  });
});
