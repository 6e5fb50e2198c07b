import { valid } from 'semver';
import { branchFromCi } from './ci-branch';
import { bumpVersion, commitBump, highestBump } from './conventional-commits';
import type { GitReader, ReleaseGitFacts } from './git';
import { resolveProjectVersion, type ProjectVersionOptions } from './project-version';
import { DEFAULT_GIT_TAG_PATTERNS, formatGitTag, nxReleaseTagPattern, projectTagVersions, tagVersionParser } from './tag-patterns';
import { branchMatches, DEFAULT_RELEASE_BRANCHES, DEFAULT_VERSION_SOURCES, resolveVersion, type VersionInputs } from './version';

describe('commitBump (Conventional Commits)', () => {
  it.each([
    ['feat: add refunds', 'minor'],
    ['feat(api): add refunds', 'minor'],
    ['Feat: types are case-insensitive', 'minor'],
    ['fix: round cents', 'patch'],
    ['fix(money): round cents\n\nCloses #12', 'patch'],
    ['perf(db): batch inserts', 'patch'],
    ['feat!: drop v1 routes', 'major'],
    ['refactor(api)!: rename fields', 'major'],
    ['fix: parse ids\n\nBREAKING CHANGE: ids are strings now', 'major'],
    ['feat: x\n\nBREAKING-CHANGE: y', 'major'],
    ['fix: x\n\nbreaking change: lowercase is not the footer', 'patch'],
    ['docs: explain tags', undefined],
    ['chore(deps): bump semver', undefined],
    ['refactor: split handler', undefined],
    ['Merge pull request #7 from acme/feat/refunds', undefined],
    ['feature: not a type', undefined],
    ['feat:missing space', undefined],
    ['Revert "feat: add refunds"', undefined],
    ['', undefined],
  ])('%j → %p', (message, bump) => {
    expect(commitBump(message)).toBe(bump);
  });

  it('takes the largest bump of a list', () => {
    expect(highestBump(['docs: a', 'fix: b', 'feat: c'])).toBe('minor');
    expect(highestBump(['fix: b', 'feat!: c', 'feat: d'])).toBe('major');
    expect(highestBump(['docs: a', 'chore: b'])).toBeUndefined();
    expect(highestBump([])).toBeUndefined();
  });

  it.each([
    ['1.4.2', 'patch', '1.4.3'],
    ['1.4.2', 'minor', '1.5.0'],
    ['1.4.2', 'major', '2.0.0'],
    // 0.x: breaking bumps the minor, a feature the patch.
    ['0.4.2', 'major', '0.5.0'],
    ['0.4.2', 'minor', '0.4.3'],
    ['0.4.2', 'patch', '0.4.3'],
    ['0.0.3', 'major', '0.1.0'],
  ] as const)('bumpVersion(%s, %s) → %s', (current, bump, next) => {
    expect(bumpVersion(current, bump)).toBe(next);
  });
});

describe('branchMatches', () => {
  it.each([
    ['release/1.5', DEFAULT_RELEASE_BRANCHES, true],
    ['release-2026.01', DEFAULT_RELEASE_BRANCHES, true],
    ['releases/v2', DEFAULT_RELEASE_BRANCHES, true],
    ['releases/1.x/hotfix', DEFAULT_RELEASE_BRANCHES, false],
    ['releases/1.x/hotfix', ['releases/**'], true],
    ['feature/release/1.5', DEFAULT_RELEASE_BRANCHES, false],
    ['release', DEFAULT_RELEASE_BRANCHES, false],
    ['main', DEFAULT_RELEASE_BRANCHES, false],
    ['main', ['main', 'release/*'], true],
    ['rc+1', ['rc+1'], true],
    ['rcc1', ['rc+1'], false],
  ])('%s in %j → %p', (branch, patterns, matches) => {
    expect(branchMatches(branch, patterns)).toBe(matches);
  });
});

describe('resolveVersion', () => {
  const base: VersionInputs = {
    projectName: 'orders',
    sources: DEFAULT_VERSION_SOURCES,
    release: false,
    releaseBranches: DEFAULT_RELEASE_BRANCHES,
    devPrerelease: 'count',
    initialVersion: '0.1.0',
    branch: 'main',
    shortSha: 'abc1234',
    atHead: { 'nx-release': [], 'git-tag': [] },
    base: { tag: 'apps/orders/v1.4.2', version: '1.4.2' },
    known: ['1.4.2', '1.4.1'],
    commitMessages: [],
    commitCount: 3,
  };
  const resolve = (over: Partial<VersionInputs>) => resolveVersion({ ...base, ...over });

  it.each<[string, Partial<VersionInputs>, string, string]>([
    ['explicit', { explicit: '1.5.0' }, '1.5.0', 'release'],
    ['explicit with a v', { explicit: 'v2.0.0-rc.1' }, '2.0.0-rc.1', 'rc'],
    ['explicit beta', { explicit: '2.0.0-beta.3' }, '2.0.0-beta.3', 'prerelease'],
    ['explicit with build metadata', { explicit: '1.2.3+build.5' }, '1.2.3+build.5', 'release'],
    ['HEAD tagged (Go module path)', { atHead: { 'nx-release': [], 'git-tag': [{ tag: 'apps/orders/v1.4.2', version: '1.4.2' }] } }, '1.4.2', 'release'],
    ['HEAD tagged twice: the highest', { atHead: { 'nx-release': [], 'git-tag': [{ tag: 'orders@1.4.2', version: '1.4.2' }, { tag: 'apps/orders/v1.5.0', version: '1.5.0' }] } }, '1.5.0', 'release'],
    ['HEAD tagged as a release candidate', { atHead: { 'nx-release': [], 'git-tag': [{ tag: 'apps/orders/v1.5.0-rc.2', version: '1.5.0-rc.2' }] } }, '1.5.0-rc.2', 'rc'],
    [
      'nx release before git tags (default order)',
      { atHead: { 'nx-release': [{ tag: 'v2.0.0', version: '2.0.0' }], 'git-tag': [{ tag: 'apps/orders/v1.9.0', version: '1.9.0' }] } },
      '2.0.0',
      'release',
    ],
    [
      'git tags before nx release when configured',
      { sources: ['git-tag', 'nx-release'], atHead: { 'nx-release': [{ tag: 'v2.0.0', version: '2.0.0' }], 'git-tag': [{ tag: 'apps/orders/v1.9.0', version: '1.9.0' }] } },
      '1.9.0',
      'release',
    ],
    ['tag on HEAD before --version when configured', { sources: ['git-tag', 'explicit'], explicit: '9.9.9', atHead: { 'nx-release': [], 'git-tag': [{ tag: 'orders@1.4.2', version: '1.4.2' }] } }, '1.4.2', 'release'],
    ['dev: feat since the last release', { commitMessages: ['feat: refunds', 'docs: x'] }, '1.5.0-dev.3', 'dev'],
    ['dev: fix', { commitMessages: ['fix: cents'] }, '1.4.3-dev.3', 'dev'],
    ['dev: no Conventional Commit → patch', { commitMessages: ['wip', 'chore: x'] }, '1.4.3-dev.3', 'dev'],
    ['dev: breaking', { commitMessages: ['feat!: v2 api'] }, '2.0.0-dev.3', 'dev'],
    ['dev: BREAKING CHANGE footer', { commitMessages: ['fix: ids\n\nBREAKING CHANGE: strings'] }, '2.0.0-dev.3', 'dev'],
    ['dev: 0.x feature → patch', { base: { tag: 'orders@0.4.2', version: '0.4.2' }, commitMessages: ['feat: x'] }, '0.4.3-dev.3', 'dev'],
    ['dev: 0.x breaking → minor', { base: { tag: 'orders@0.4.2', version: '0.4.2' }, commitMessages: ['feat!: x'] }, '0.5.0-dev.3', 'dev'],
    ['dev: by sha', { devPrerelease: 'sha', commitMessages: ['fix: x'] }, '1.4.3-dev.abc1234', 'dev'],
    ['dev: by a sha of digits only', { devPrerelease: 'sha', shortSha: '0123456' }, '1.4.3-dev.g0123456', 'dev'],
    ['dev: detached HEAD without a branch', { branch: undefined }, '1.4.3-dev.3', 'dev'],
    ['dev: no release yet', { base: undefined, known: [], commitCount: 12, commitMessages: ['feat: first'] }, '0.1.0-dev.12', 'dev'],
    ['rc: first candidate on release/1.5', { branch: 'release/1.5', commitMessages: ['feat: x'] }, '1.5.0-rc.1', 'rc'],
    ['rc: after rc.1 and rc.2', { branch: 'release/1.5', commitMessages: ['feat: x'], known: ['1.4.2', '1.5.0-rc.1', '1.5.0-rc.2', '1.6.0-rc.7'] }, '1.5.0-rc.3', 'rc'],
    ['rc: release-* branches', { branch: 'release-2026.01', commitMessages: ['fix: x'] }, '1.4.3-rc.1', 'rc'],
    ['rc: configured patterns', { branch: 'stable', releaseBranches: ['stable'], commitMessages: ['fix: x'] }, '1.4.3-rc.1', 'rc'],
    ['release: feat', { release: true, commitMessages: ['feat: refunds'] }, '1.5.0', 'release'],
    ['release: breaking on 0.x', { release: true, base: { tag: 'orders@0.9.1', version: '0.9.1' }, commitMessages: ['feat!: x'] }, '0.10.0', 'release'],
    ['release: on a release branch it is still a release', { release: true, branch: 'release/1.5', commitMessages: ['feat: x'] }, '1.5.0', 'release'],
    ['release: the first', { release: true, base: undefined, known: [], commitMessages: ['chore: init'] }, '0.1.0', 'release'],
    ['release: custom initial version', { release: true, base: undefined, known: [], initialVersion: '1.0.0' }, '1.0.0', 'release'],
  ])('%s', (_, over, version, channel) => {
    const resolved = resolve(over);
    expect(resolved.version).toBe(version);
    expect(resolved.channel).toBe(channel);
    expect(valid(resolved.version)).not.toBeNull();
  });

  it.each<[string, Partial<VersionInputs>, RegExp]>([
    ['a version that is not semver', { explicit: '1.5' }, /Version "1\.5" is not a semantic version\. Use MAJOR\.MINOR\.PATCH/],
    ['"latest" as a version', { explicit: 'latest' }, /"latest" is not a semantic version/],
    ['four numbers', { explicit: '1.2.3.4' }, /not a semantic version/],
    ['nothing to release', { release: true, commitMessages: ['docs: x', 'chore: y'] }, /Nothing to release for orders: no feat, fix, perf or breaking commit touches it since apps\/orders\/v1\.4\.2/],
    ['no source gives a version', { sources: ['explicit', 'git-tag'] }, /No version for orders: none of the version sources \(explicit, git-tag\) gave one/],
    ['dev by sha outside git', { devPrerelease: 'sha', shortSha: undefined }, /needs a git commit/],
  ])('%s is an error', (_, over, message) => {
    expect(() => resolve(over)).toThrow(message);
  });

  it('says why', () => {
    expect(resolve({ commitMessages: ['feat: x'] }).reason).toBe('development build 3 (commits since apps/orders/v1.4.2): minor bump from the commits since apps/orders/v1.4.2');
    expect(resolve({ base: { tag: 'orders@0.3.0', version: '0.3.0' }, commitMessages: ['feat: x'] }).reason).toBe(
      'development build 3 (commits since orders@0.3.0): minor bump (a patch below 1.0.0) from the commits since orders@0.3.0',
    );
    expect(resolve({ release: true, commitMessages: ['docs: x', 'chore: y'], base: undefined }).reason).toBe('release: first version of orders (no release tag yet)');
    expect(resolve({ atHead: { 'nx-release': [], 'git-tag': [{ tag: 'apps/orders/v1.4.2', version: '1.4.2' }] } })).toMatchObject({
      source: 'git-tag',
      reason: 'HEAD is tagged apps/orders/v1.4.2',
    });
  });
});

describe('git tag patterns', () => {
  it.each([
    ['{projectRoot}/v{version}', 'apps/orders/v1.4.2', '1.4.2'],
    ['{projectRoot}/v{version}', 'apps/orders/v1.5.0-rc.1', '1.5.0-rc.1'],
    ['{projectRoot}/v{version}', 'apps/orders/v1.4', undefined],
    ['{projectRoot}/v{version}', 'apps/orders/1.4.2', undefined],
    ['{projectRoot}/v{version}', 'apps/orders/vv1.4.2', undefined],
    ['{projectRoot}/v{version}', 'apps/orders-api/v1.4.2', undefined],
    ['{projectRoot}/v{version}', 'apps/orders/sub/v1.4.2', undefined],
    ['{projectRoot}/v{version}', 'v1.4.2', undefined],
    ['{projectName}@{version}', 'orders@1.4.2', '1.4.2'],
    ['{projectName}@{version}', 'orders@v1.4.2', undefined],
    ['{projectName}@{version}', 'orders-api@1.4.2', undefined],
    ['{projectName}@{version}', 'orders@', undefined],
    ['release-{projectName}-{version}', 'release-orders-2.0.0-rc.1', '2.0.0-rc.1'],
  ])('%s reads %s as %p', (pattern, tag, version) => {
    expect(tagVersionParser(pattern, { projectName: 'orders', projectRoot: 'apps/orders' })(tag)).toBe(version);
  });

  it('drops the path of a project at the workspace root', () => {
    expect(tagVersionParser('{projectRoot}/v{version}', { projectName: 'root', projectRoot: '.' })('v1.2.3')).toBe('1.2.3');
    expect(formatGitTag('{projectRoot}/v{version}', { projectName: 'root', projectRoot: '.' }, '1.2.3')).toBe('v1.2.3');
    expect(formatGitTag('./v{version}', { projectName: 'root', projectRoot: '.' }, '1.2.3')).toBe('v1.2.3');
    expect(formatGitTag(DEFAULT_GIT_TAG_PATTERNS[0], { projectName: 'orders', projectRoot: 'apps/orders' }, '1.4.2')).toBe('apps/orders/v1.4.2');
  });

  it('rejects patterns without exactly one {version} and unknown placeholders', () => {
    expect(() => tagVersionParser('{projectName}', { projectName: 'o', projectRoot: 'o' })).toThrow(/must contain \{version\} exactly once/);
    expect(() => formatGitTag('{team}/{version}', { projectName: 'o', projectRoot: 'o' }, '1.0.0')).toThrow(/Unknown placeholder \{team\}/);
  });

  it('collects the versions of the project from a tag list, either convention', () => {
    expect(
      projectTagVersions(['apps/orders/v1.0.0', 'orders@1.1.0', 'billing@2.0.0', 'v3.0.0', 'apps/orders/v1.2'], DEFAULT_GIT_TAG_PATTERNS, {
        projectName: 'orders',
        projectRoot: 'apps/orders',
      }),
    ).toEqual([
      { tag: 'apps/orders/v1.0.0', version: '1.0.0' },
      { tag: 'orders@1.1.0', version: '1.1.0' },
    ]);
  });
});

describe('nxReleaseTagPattern', () => {
  it.each<[string, Parameters<typeof nxReleaseTagPattern>[0], ReturnType<typeof nxReleaseTagPattern>]>([
    ['no nx release', undefined, undefined],
    ['fixed workspace', {}, { pattern: 'v{version}', releaseGroupName: '__default__' }],
    ['independent workspace', { projectsRelationship: 'independent' }, { pattern: '{projectName}@{version}', releaseGroupName: '__default__' }],
    ['own pattern', { releaseTag: { pattern: 'svc/{projectName}/v{version}' } }, { pattern: 'svc/{projectName}/v{version}', releaseGroupName: '__default__' }],
    ['older releaseTagPattern', { releaseTagPattern: '{projectName}-v{version}' }, { pattern: '{projectName}-v{version}', releaseGroupName: '__default__' }],
    ['not among release.projects', { projects: ['billing'] }, undefined],
    ['fixed group', { groups: { services: { projects: ['orders', 'billing'] } } }, { pattern: '{releaseGroupName}-v{version}', releaseGroupName: 'services' }],
    ['independent group by glob', { groups: { services: { projects: 'ord*', projectsRelationship: 'independent' } } }, { pattern: '{projectName}@{version}', releaseGroupName: 'services' }],
    ['group pattern', { groups: { services: { projects: ['orders'], releaseTag: { pattern: 'services@{version}' } } } }, { pattern: 'services@{version}', releaseGroupName: 'services' }],
    ['in no group', { groups: { libs: { projects: ['money'] } } }, undefined],
  ])('%s', (_, release, expected) => {
    expect(nxReleaseTagPattern(release, 'orders')).toEqual(expected);
  });
});

describe('resolveProjectVersion (git read through a stand-in)', () => {
  const facts: ReleaseGitFacts = {
    inRepository: true,
    sha: 'abc1234def5678',
    shortSha: 'abc1234',
    branch: 'main',
    shallow: false,
    tagsAtHead: [],
    mergedTags: ['apps/orders/v1.0.0', 'orders@1.4.2', 'apps/orders/v1.5.0-rc.1', 'billing@9.0.0'],
    allTags: ['apps/orders/v1.0.0', 'orders@1.4.2', 'apps/orders/v1.5.0-rc.1', 'apps/orders/v1.5.0-rc.2', 'apps/orders/v2.0.0', 'billing@9.0.0'],
  };
  const options: ProjectVersionOptions = {
    projectName: 'orders',
    projectRoot: 'apps/orders',
    sources: DEFAULT_VERSION_SOURCES,
    release: false,
    releaseBranches: DEFAULT_RELEASE_BRANCHES,
    devPrerelease: 'count',
    initialVersion: '0.1.0',
    gitTagPatterns: DEFAULT_GIT_TAG_PATTERNS,
  };
  const reader = (over: Partial<ReleaseGitFacts>, messages: string[] = [], count = 0) => {
    const calls: string[] = [];
    const git: GitReader = {
      facts: () => ({ ...facts, ...over }),
      commitMessagesSince: (since, path) => {
        calls.push(`log ${since} -- ${path}`);
        return messages;
      },
      countCommitsSince: (since) => {
        calls.push(`count ${since}`);
        return count;
      },
    };
    return { git, calls };
  };

  it('bases the next version on the highest release reachable from HEAD, and reads commits of the project since its tag', () => {
    const { git, calls } = reader({}, ['feat: refunds'], 4);
    const result = resolveProjectVersion(options, git);
    expect(result.base).toEqual({ tag: 'orders@1.4.2', version: '1.4.2' });
    expect(result.resolved.version).toBe('1.5.0-dev.4');
    expect(calls).toEqual(['log orders@1.4.2 -- apps/orders', 'count orders@1.4.2']);
    // 2.0.0 exists on another branch: moving tags must not go back behind it.
    expect(result.knownVersions).toEqual(expect.arrayContaining(['2.0.0', '1.5.0-rc.2']));
  });

  it('numbers release candidates after the rc tags of every branch', () => {
    const { git } = reader({ branch: 'release/1.5' }, ['feat: x'], 2);
    expect(resolveProjectVersion(options, git).resolved.version).toBe('1.5.0-rc.3');
  });

  it('reads no history when HEAD carries the release tag', () => {
    const { git, calls } = reader({ tagsAtHead: ['apps/orders/v1.4.3'] });
    expect(resolveProjectVersion(options, git).resolved).toMatchObject({ version: '1.4.3', source: 'git-tag' });
    expect(calls).toEqual([]);
  });

  it("recognises nx release's tags when the workspace configures it", () => {
    const { git } = reader({ tagsAtHead: ['services-v3.1.0'] });
    const result = resolveProjectVersion({ ...options, nxRelease: { groups: { services: { projects: ['orders'] } } } }, git);
    expect(result.resolved).toMatchObject({ version: '3.1.0', source: 'nx-release' });
  });

  it('takes the branch from CI when HEAD is detached, and --branch over both', () => {
    const { git } = reader({ branch: undefined }, ['fix: x'], 1);
    expect(resolveProjectVersion({ ...options, fallbackBranch: 'release/1.4' }, git).resolved.version).toBe('1.4.3-rc.1');
    expect(resolveProjectVersion({ ...options, fallbackBranch: 'release/1.4', branch: 'main' }, git).resolved.version).toBe('1.4.3-dev.1');
  });

  it('works outside git with an explicit version', () => {
    const { git, calls } = reader({ inRepository: false, sha: undefined, shortSha: undefined, branch: undefined, tagsAtHead: [], mergedTags: [], allTags: [] });
    expect(resolveProjectVersion({ ...options, explicit: '1.0.0' }, git).resolved.version).toBe('1.0.0');
    expect(resolveProjectVersion(options, git).resolved.version).toBe('0.1.0-dev.0');
    expect(calls).toEqual([]);
  });
});

describe('branchFromCi', () => {
  it.each<[NodeJS.ProcessEnv, string | undefined]>([
    [{}, undefined],
    [{ GITHUB_REF_TYPE: 'branch', GITHUB_REF_NAME: 'release/1.5' }, 'release/1.5'],
    [{ GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'apps/orders/v1.0.0' }, undefined],
    [{ GITHUB_HEAD_REF: 'feature/x', GITHUB_REF_TYPE: 'branch', GITHUB_REF_NAME: '12/merge' }, 'feature/x'],
    [{ GITHUB_HEAD_REF: '', CI_COMMIT_BRANCH: 'main' }, 'main'],
    [{ BUILDKITE_BRANCH: 'release-7' }, 'release-7'],
  ])('%j → %p', (env, branch) => {
    expect(branchFromCi(env)).toBe(branch);
  });
});
