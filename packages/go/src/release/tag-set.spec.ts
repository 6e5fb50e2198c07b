import { DEFAULT_PRERELEASE_TAGS, fullRepository, planTags, pushOrder, type TagSetInputs } from './tag-set';

describe('planTags', () => {
  const base: TagSetInputs = { projectName: 'orders', version: '1.4.2', repository: '127.0.0.1:5055/team/orders', sha: 'abc1234def', shortSha: 'abc1234', branch: 'main' };
  const plan = (over: Partial<TagSetInputs>) => planTags({ ...base, ...over });
  const tagsOf = (over: Partial<TagSetInputs>) => plan(over).tags.map((t) => `${t.tag}${t.mutable ? ' (moving)' : ''}`);

  it.each<[string, Partial<TagSetInputs>, string[]]>([
    ['a release', {}, ['1.4.2', '1.4 (moving)', '1 (moving)', 'latest (moving)', 'sha-abc1234']],
    ['a release candidate: version and sha only', { version: '1.5.0-rc.1' }, ['1.5.0-rc.1', 'sha-abc1234']],
    ['a development build', { version: '1.5.0-dev.3' }, ['1.5.0-dev.3', 'sha-abc1234']],
    ['an explicit beta', { version: '2.0.0-beta.1' }, ['2.0.0-beta.1', 'sha-abc1234']],
    ['a 0.x release has no "0"', { version: '0.4.2' }, ['0.4.2', '0.4 (moving)', 'latest (moving)', 'sha-abc1234']],
    ['0.0.x', { version: '0.0.7' }, ['0.0.7', '0.0 (moving)', 'latest (moving)', 'sha-abc1234']],
    ['a hotfix of an older line keeps latest and 1 where they are', { version: '1.3.5', knownVersions: ['1.4.0', '1.3.4'] }, ['1.3.5', '1.3 (moving)', 'sha-abc1234']],
    ['an older patch moves nothing', { version: '1.3.5', knownVersions: ['1.3.6', '2.0.0-rc.1'] }, ['1.3.5', 'sha-abc1234']],
    ['pre-releases of newer versions do not hold latest back', { knownVersions: ['1.5.0-rc.2', '1.4.1'] }, ['1.4.2', '1.4 (moving)', '1 (moving)', 'latest (moving)', 'sha-abc1234']],
    ['a release of an older major still moves its own major', { version: '1.9.0', knownVersions: ['2.0.0'] }, ['1.9.0', '1.9 (moving)', '1 (moving)', 'sha-abc1234']],
    ['outside git: no sha tag', { sha: undefined, shortSha: undefined }, ['1.4.2', '1.4 (moving)', '1 (moving)', 'latest (moving)']],
    ['branch tags on request', { version: '1.5.0-dev.3', branchTags: true, branch: 'Feature/Login#2' }, ['1.5.0-dev.3', 'sha-abc1234', 'feature-login-2 (moving)']],
    ['branch tag of a release branch', { branchTags: true, branch: 'release/1.4' }, ['1.4.2', '1.4 (moving)', '1 (moving)', 'latest (moving)', 'sha-abc1234', 'release-1.4 (moving)']],
    ['build metadata is written with _', { version: '1.2.3+build.5', releaseTags: ['{version}'] }, ['1.2.3_build.5']],
    [
      'templates',
      { releaseTags: ['{version}-alpine', '{major}.{minor}-alpine', 'stable', '{branch}-{shortSha}', '{projectName}-{patch}'] },
      ['1.4.2-alpine', '1.4-alpine (moving)', 'stable (moving)', 'main-abc1234', 'orders-2 (moving)'],
    ],
    ['pre-release templates', { version: '2.0.0-rc.3', prereleaseTags: ['{version}', 'rc', '{prerelease}'] }, ['2.0.0-rc.3', 'rc (moving)', 'rc.3 (moving)']],
    ['{prerelease} of a release is left out', { releaseTags: ['{version}', 'pre-{prerelease}'] }, ['1.4.2']],
    ['duplicates once', { releaseTags: ['latest', '{version}', 'latest'] }, ['latest (moving)', '1.4.2']],
  ])('%s', (_, over, expected) => {
    expect(tagsOf(over)).toEqual(expected);
  });

  it('says why tags were left out', () => {
    expect(plan({ version: '0.4.2', sha: undefined, shortSha: undefined }).skipped).toEqual([
      { template: '{major}', reason: 'a 0.x release: "0" would float across breaking changes' },
      { template: 'sha-{shortSha}', reason: 'no git commit here' },
    ]);
    expect(plan({ version: '1.3.5', knownVersions: ['1.4.0'] }).skipped).toEqual([
      { template: '{major}', reason: '1.4.0 is newer; the tag stays with it' },
      { template: 'latest', reason: '1.4.0 is newer; the tag stays with it' },
    ]);
  });

  it('writes full references', () => {
    expect(plan({}).tags[0]).toEqual({ tag: '1.4.2', reference: '127.0.0.1:5055/team/orders:1.4.2', mutable: false, template: '{version}' });
    expect(plan({ repository: 'orders' }).tags.map((t) => t.reference)).toContain('orders:latest');
  });

  it.each<[string, Partial<TagSetInputs>, RegExp]>([
    ['branch tags on a detached HEAD', { branchTags: true, branch: undefined }, /Branch tags need a branch, and HEAD is detached here\. Pass --branch/],
    ['a branch with nothing taggable', { branchTags: true, branch: '---' }, /Branch "---" cannot be made into a Docker tag/],
    ['a branch of dots', { releaseTags: ['{branch}'], branch: '...' }, /Branch "\.\.\." cannot be made into a Docker tag/],
    ['an unknown placeholder', { releaseTags: ['{version}', '{commit}'] }, /Unknown placeholder \{commit\} in tag template "\{commit\}"/],
    ['a tag starting with -', { releaseTags: ['-{version}'] }, /Tag "-1\.4\.2" \(from template "-\{version\}"\) is not a valid Docker tag/],
    ['a tag too long', { releaseTags: ['x'.repeat(130)] }, /is not a valid Docker tag/],
    ['an uppercase repository', { repository: 'Team/Orders' }, /Repository "Team\/Orders" is not a valid image repository/],
    ['a repository with a tag', { repository: '127.0.0.1:5055/orders:1' }, /is not a valid image repository/],
    ['a repository with a digest', { repository: 'orders@sha256:abc' }, /is not a valid image repository/],
    ['an invalid version', { version: '1.4' }, /Version "1\.4" is not a semantic version/],
    ['nothing left to tag', { releaseTags: ['sha-{shortSha}'], sha: undefined, shortSha: undefined }, /No tag could be made for orders 1\.4\.2 \(sha-\{shortSha\}: no git commit here\)/],
  ])('%s is an error', (_, over, message) => {
    expect(() => plan(over)).toThrow(message);
  });

  it('never gives a pre-release latest or a moving version tag by default', () => {
    for (const version of ['1.0.0-rc.1', '0.1.0-dev.0', '3.0.0-alpha', '1.2.3-dev.g0123456']) {
      const tags = plan({ version }).tags;
      expect(tags.map((t) => t.template)).toEqual(DEFAULT_PRERELEASE_TAGS);
      expect(tags.every((t) => !t.mutable)).toBe(true);
    }
  });
});

describe('pushOrder', () => {
  it('puts immutable tags first and keeps plan order within each group', () => {
    const tags = planTags({ projectName: 'orders', version: '1.4.2', repository: 'orders', shortSha: 'abc1234', branch: 'main', branchTags: true }).tags;
    expect(pushOrder(tags).map((t) => t.tag)).toEqual(['1.4.2', 'sha-abc1234', '1.4', '1', 'latest', 'main']);
  });
});

describe('fullRepository', () => {
  it.each<[string | undefined, string | undefined, string]>([
    [undefined, undefined, 'orders'],
    ['127.0.0.1:5055', undefined, '127.0.0.1:5055/orders'],
    ['127.0.0.1:5055/', 'team/orders', '127.0.0.1:5055/team/orders'],
    [undefined, 'registry.example.com/team/orders', 'registry.example.com/team/orders'],
    ['registry.example.com', '/team/orders/', 'registry.example.com/team/orders'],
  ])('registry %p, repository %p → %s', (registry, repository, expected) => {
    expect(fullRepository('orders', registry, repository)).toBe(expected);
  });
  it('uses the project name in lowercase, and wants a host rather than a URL', () => {
    expect(fullRepository('Orders', undefined, undefined)).toBe('orders');
    expect(() => fullRepository('orders', 'https://registry.example.com/', undefined)).toThrow(/is a host\[:port\], not a URL: write "registry\.example\.com"/);
  });
});
