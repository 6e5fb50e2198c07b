import type { ProjectVersion } from '../../../release/project-version';
import { planTags } from '../../../release/tag-set';
import { normalizeTagOptions } from './normalize-options';
import { buildTagPlan, describePlan } from './plan';

describe('normalizeTagOptions', () => {
  it('fills every default', () => {
    expect(normalizeTagOptions({}, 'orders')).toEqual({
      explicitVersion: undefined,
      sources: ['explicit', 'nx-release', 'git-tag', 'conventional-commits'],
      release: false,
      releaseBranches: ['release/*', 'release-*', 'releases/*'],
      devPrerelease: 'count',
      initialVersion: '0.1.0',
      gitTagPatterns: ['{projectRoot}/v{version}', '{projectName}@{version}'],
      repository: 'orders',
      releaseTags: ['{version}', '{major}.{minor}', '{major}', 'latest', 'sha-{shortSha}'],
      prereleaseTags: ['{version}', 'sha-{shortSha}'],
      branchTags: false,
      branch: undefined,
      dryRun: false,
    });
    expect(normalizeTagOptions({ registry: '127.0.0.1:5055', repository: 'team/orders', version: ' 1.2.3 ' }, 'orders')).toMatchObject({
      repository: '127.0.0.1:5055/team/orders',
      explicitVersion: '1.2.3',
    });
  });

  it.each<[string, Parameters<typeof normalizeTagOptions>[0], RegExp]>([
    ['no sources', { versionSources: [] }, /versionSources is empty/],
    ['an unknown source', { versionSources: ['explicit', 'package-json' as never] }, /Unknown version source "package-json"/],
    ['a source twice', { versionSources: ['git-tag', 'git-tag'] }, /lists a source twice/],
    ['--release without commits', { release: true, versionSources: ['explicit', 'git-tag'] }, /--release computes the version from Conventional Commits/],
    ['--version that would be ignored', { version: '1.0.0', versionSources: ['git-tag'] }, /would be ignored/],
    ['a bad initial version', { initialVersion: '1.0' }, /initialVersion "1\.0" is not a semantic version/],
    ['a bad dev scheme', { devPrerelease: 'date' as never }, /devPrerelease must be "count" or "sha"/],
    ['no git tag patterns', { gitTagPatterns: [] }, /gitTagPatterns is empty/],
    ['no templates', { tags: [] }, /need at least one template/],
    ['a registry URL', { registry: 'http://127.0.0.1:5055' }, /not a URL: write "127\.0\.0\.1:5055"/],
  ])('%s is an error', (_, options, message) => {
    expect(() => normalizeTagOptions(options, 'orders')).toThrow(message);
  });
});

describe('the tag plan', () => {
  const version = (over: Partial<ProjectVersion['resolved']>, inGit = true): ProjectVersion => {
    const sha = inGit ? 'abc1234def5678' : undefined;
    return {
      resolved: { version: '1.4.2', source: 'git-tag', channel: 'release', reason: 'HEAD is tagged apps/orders/v1.4.2', ...over },
      git: { inRepository: inGit, sha, shortSha: sha?.slice(0, 7), branch: 'main', shallow: false, tagsAtHead: [], mergedTags: [], allTags: [] },
      branch: 'main',
      knownVersions: [],
    };
  };
  const build = (v: ProjectVersion) =>
    buildTagPlan({
      projectName: 'orders',
      projectRoot: 'apps/orders',
      imageId: `sha256:${'f'.repeat(64)}`,
      repository: '127.0.0.1:5055/team/orders',
      gitTagPattern: '{projectRoot}/v{version}',
      version: v,
      tagSet: planTags({ projectName: 'orders', version: v.resolved.version, repository: '127.0.0.1:5055/team/orders', shortSha: v.git.shortSha }),
      now: new Date('2026-01-02T03:04:05Z'),
    });

  it('records version, tags and the git tag a release gets', () => {
    const plan = build(version({}));
    expect(plan).toMatchObject({ version: '1.4.2', channel: 'release', gitSha: 'abc1234def5678', gitTag: 'apps/orders/v1.4.2', taggedAt: '2026-01-02T03:04:05.000Z' });
    expect(build(version({ version: '1.5.0-rc.1', channel: 'rc' })).gitTag).toBe('apps/orders/v1.5.0-rc.1');
    expect(build(version({ version: '1.5.0-dev.3', channel: 'dev', source: 'conventional-commits' })).gitTag).toBeUndefined();
    expect(build(version({}, false)).gitTag).toBeUndefined();
  });

  it('prints immutable tags first', () => {
    expect(describePlan(build(version({})))).toEqual([
      'orders 1.4.2 (release; git-tag: HEAD is tagged apps/orders/v1.4.2)',
      '  127.0.0.1:5055/team/orders:1.4.2        immutable',
      '  127.0.0.1:5055/team/orders:sha-abc1234  immutable',
      '  127.0.0.1:5055/team/orders:1.4          moving',
      '  127.0.0.1:5055/team/orders:1            moving',
      '  127.0.0.1:5055/team/orders:latest       moving',
    ]);
  });
});
