import { logger, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { snapshotTree } from '../../testing/tree';
import { detectGoVersion } from '../../utils/go-version';
import { ciGenerator } from './ci';
import { goDirective, REGISTRY_PLACEHOLDER, validateBranch, validateFileName, validateParallel, validateRegistry } from './lib/normalize-options';
import { CI_SCRIPTS, GOVULNCHECK_VERSION, refSlug } from './lib/render';
import type { CiGeneratorSchema } from './schema';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Yaml = any;

const PLUGIN_ROOT = join(__dirname, '../../..');

function workspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: '@org/go', options: {} }] });
  tree.write('go.work', 'go 1.26\n\nuse ./apps/orders\n');
  tree.write('package-lock.json', '{"lockfileVersion": 3}\n');
  return tree;
}

async function generate(tree: Tree, options: CiGeneratorSchema): Promise<{ path: string; text: string; doc: Yaml }> {
  await ciGenerator(tree, options);
  const path = options.provider === 'github' ? `.github/workflows/${options.fileName ?? 'ci.yml'}` : (options.fileName ?? '.gitlab-ci.yml');
  const text = tree.read(path, 'utf-8') ?? '';
  return { path, text, doc: parse(text) };
}

const stepNamed = (job: Yaml, name: RegExp) => job.steps.find((step: Yaml) => name.test(step.name ?? ''));
const stepUsing = (job: Yaml, action: string) => job.steps.find((step: Yaml) => String(step.uses ?? '').startsWith(`${action}@`));

describe('ci generator', () => {
  let warn: jest.SpyInstance;
  let info: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  describe('github', () => {
    it('writes .github/workflows/ci.yml: affected base from the last successful run, full history, Node, Go, caches', async () => {
      const { doc, text } = await generate(workspace(), { provider: 'github' });
      expect(doc.on).toEqual({ push: { branches: ['main'] }, pull_request: null });
      expect(Object.keys(doc.jobs)).toEqual(['affected']);
      const job = doc.jobs.affected;
      expect(job['runs-on']).toBe('ubuntu-latest');
      expect(job.permissions).toEqual({ contents: 'read', actions: 'read', 'security-events': 'write' });
      expect(stepUsing(job, 'actions/checkout').with).toEqual({ 'fetch-depth': 0 });
      expect(stepUsing(job, 'nrwl/nx-set-shas')).toMatchObject({ uses: 'nrwl/nx-set-shas@v5', with: { 'main-branch-name': 'main' } });
      expect(text).not.toContain('HEAD~1 ');
      expect(stepUsing(job, 'actions/setup-node').with).toEqual({ 'node-version': 24, cache: 'npm' });
      expect(stepNamed(job, /Install Node dependencies/).run).toBe('npm ci --no-audit --no-fund');
      expect(stepUsing(job, 'actions/setup-go').with).toEqual({ 'go-version-file': 'go.work', 'cache-dependency-path': '**/go.sum' });
      const caches = job.steps.filter((step: Yaml) => String(step.uses).startsWith('actions/cache@'));
      expect(caches.map((step: Yaml) => step.with.path.trim().split('\n'))).toEqual([['.nx/cache'], ['~/.cache/org-go', '~/.cache/trivy', '~/.cache/grype']]);
      expect(caches[0].with.key).toBe('nx-${{ runner.os }}-${{ github.ref_name }}-${{ github.sha }}');
      expect(caches[1].with.key).toBe('scanners-${{ runner.os }}-${{ steps.day.outputs.day }}');
      expect(stepNamed(job, /Install the vulnerability scanner/).run).toContain(`go install golang.org/x/vuln/cmd/govulncheck@${GOVULNCHECK_VERSION}`);
      // Every action is pinned to a major version.
      for (const step of job.steps.filter((s: Yaml) => s.uses)) expect(step.uses).toMatch(/^[\w./-]+@v\d+$/);
      expect(doc.env).toMatchObject({ NX_TUI: 'false', NX_DAEMON: 'false', NX_NO_CLOUD: 'true' });
    });

    it('logs in and pushes on main only; pull requests lint, test, build and scan', async () => {
      const { doc } = await generate(workspace(), { provider: 'github' });
      const job = doc.jobs.affected;
      const onMain = "github.event_name == 'push' && github.ref == 'refs/heads/main'";
      const login = stepNamed(job, /Log in to the registry/);
      expect(login.if).toBe(onMain);
      expect(login.env).toEqual({ REGISTRY_USERNAME: '${{ secrets.REGISTRY_USERNAME }}', REGISTRY_PASSWORD: '${{ secrets.REGISTRY_PASSWORD }}' });
      expect(login.run).toBe('echo "$REGISTRY_PASSWORD" | docker login "$REGISTRY" --username "$REGISTRY_USERNAME" --password-stdin');
      const runs = job.steps.filter((step: Yaml) => String(step.run ?? '').includes('nx affected'));
      expect(runs.map((step: Yaml) => [step.if, step.run])).toEqual([
        [`\${{ !(${onMain}) }}`, 'npx nx affected -t lint test docker-build docker-scan --parallel=3 --configuration=ci --outputStyle=static'],
        [onMain, 'npx nx affected -t lint test docker-build docker-scan docker-push --parallel=3 --configuration=ci --outputStyle=static'],
      ]);
    });

    it('uploads the SARIF reports to code scanning and keeps the records as an artifact', async () => {
      const { doc } = await generate(workspace(), { provider: 'github' });
      const job = doc.jobs.affected;
      const sarif = stepUsing(job, 'github/codeql-action/upload-sarif');
      expect(sarif.uses).toBe('github/codeql-action/upload-sarif@v4');
      expect(sarif.with).toEqual({ sarif_file: 'dist' });
      expect(sarif.if).toContain("hashFiles('dist/**/docker/scan.sarif') != ''");
      expect(sarif.with.category).toBeUndefined(); // one category for all would make the upload fail
      expect(sarif['continue-on-error']).toBe(true); // code scanning off (private repository): the build still passes
      const artifact = stepUsing(job, 'actions/upload-artifact');
      expect(artifact.with.path.trim().split('\n')).toEqual(['dist/**/docker/image.json', 'dist/**/docker/tags.json', 'dist/**/docker/scan.*']);
    });

    it('comments every value a person must fill in', async () => {
      const { text } = await generate(workspace(), { provider: 'github' });
      const fillIns = text.split('\n').filter((line) => line.includes('# FILL IN'));
      expect(fillIns).toHaveLength(2);
      expect(text).toMatch(/# FILL IN: the registry host\[:port\][^\n]*\n[\s\S]*?\n {2}REGISTRY: registry\.example\.com\n/);
      expect(text).toMatch(/# FILL IN: repository secrets[^\n]*\n[^\n]*\n\s+REGISTRY_USERNAME: \$\{\{ secrets\.REGISTRY_USERNAME \}\}/);
      expect(warn.mock.calls.flat().join('\n')).toContain(`logs in to the placeholder "${REGISTRY_PLACEHOLDER}"`);
    });

    it('with --gitops: a job after the push that updates deploy/k8s through the shipped script, commits and pushes', async () => {
      const { doc, text } = await generate(workspace(), { provider: 'github', gitops: true });
      expect(Object.keys(doc.jobs)).toEqual(['affected', 'gitops']);
      expect(doc.jobs.affected.outputs).toEqual({ pushed: '${{ steps.pushed.outputs.pushed }}' });
      // Decided right after the push, so a later step's failure cannot hide what was pushed.
      const steps = doc.jobs.affected.steps.map((step: Yaml) => step.name);
      expect(steps.indexOf('Did docker-push push anything?')).toBe(steps.indexOf('Lint, test, build, scan and push') + 1);
      const gitops = doc.jobs.gitops;
      expect(gitops.needs).toBe('affected');
      expect(gitops.if).toBe("needs.affected.outputs.pushed == 'true'");
      expect(gitops.permissions).toEqual({ contents: 'write' });
      expect(stepUsing(gitops, 'actions/checkout').with).toMatchObject({ ref: 'main', 'fetch-depth': 0, token: '${{ secrets.GITOPS_TOKEN || github.token }}' });
      expect(stepUsing(gitops, 'actions/download-artifact').with).toEqual({ name: 'docker-reports', path: 'dist' });
      expect(stepNamed(gitops, /Point deploy/).run).toContain(`node ${CI_SCRIPTS.gitops} --commit --push --remote origin --branch main`);
      expect(text).toContain('# FILL IN when branch protection stops the workflow token');
    });
  });

  describe('gitlab', () => {
    it('writes .gitlab-ci.yml: full history, Go from go.work, the four caches, the affected base from the API', async () => {
      const { doc } = await generate(workspace(), { provider: 'gitlab' });
      expect(doc.stages).toEqual(['verify']);
      expect(doc.variables).toMatchObject({ GIT_DEPTH: '0', GO_VERSION: '1.26', NX_TUI: 'false', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', XDG_CACHE_HOME: '$CI_PROJECT_DIR/.ci-cache' });
      const job = doc.affected;
      expect(job.image).toBe('golang:${GO_VERSION}-trixie');
      expect(job.services).toEqual([{ name: 'docker:28-dind', alias: 'docker' }]);
      expect(job.cache.map((cache: Yaml) => cache.paths)).toEqual([
        ['.nx/cache'],
        ['.ci-cache/npm'],
        ['.ci-cache/go/pkg/mod', '.ci-cache/go-build'],
        ['.ci-cache/org-go', '.ci-cache/trivy', '.ci-cache/grype'],
      ]);
      expect(job.cache[0]).toMatchObject({ key: 'nx-$CI_COMMIT_REF_SLUG', fallback_keys: ['nx-main'] });
      expect(job.before_script).toEqual(
        expect.arrayContaining(['mkdir -p .git/info && echo "/.ci-cache/" >> .git/info/exclude', 'npm ci --prefer-offline --no-audit --no-fund']),
      );
      expect(job.before_script.join('\n')).toContain(`go install golang.org/x/vuln/cmd/govulncheck@${GOVULNCHECK_VERSION}`);
      expect(job.script[0]).toBe(`NX_BASE="$(node ${CI_SCRIPTS.affectedBase} --main-branch main)"`);
      expect(job.script[1]).toBe('export NX_BASE NX_HEAD="$CI_COMMIT_SHA"');
    });

    it('logs in and pushes only in pipelines of main; merge requests do not push', async () => {
      const { doc } = await generate(workspace(), { provider: 'gitlab', parallel: 5 });
      expect(doc.workflow.rules).toEqual([
        { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
        { if: '$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS', when: 'never' },
        { if: '$CI_COMMIT_BRANCH == "main"' },
      ]);
      const branches = doc.affected.script[2] as string;
      expect(branches).toMatch(
        new RegExp(
          [
            '^if \\[ "\\$CI_COMMIT_BRANCH" = "main" \\]; then\\n',
            `[\\s\\S]*\\n {2}node ${CI_SCRIPTS.registryLogin}\\n`,
            ' {2}npx nx affected -t lint test docker-build docker-scan docker-push --parallel=5 --configuration=ci --outputStyle=static\\n',
            'else\\n',
            ' {2}npx nx affected -t lint test docker-build docker-scan --parallel=5 --configuration=ci --outputStyle=static\\n',
            'fi\\n$',
          ].join(''),
        ),
      );
    });

    it('keeps the SARIF reports and image records as artifacts, and comments what to fill in', async () => {
      const { doc, text } = await generate(workspace(), { provider: 'gitlab' });
      expect(doc.affected.artifacts).toEqual({
        when: 'always',
        expire_in: '14 days',
        paths: ['dist/**/docker/image.json', 'dist/**/docker/tags.json', 'dist/**/docker/scan.*'],
      });
      const fillIns = text.split('\n').filter((line) => line.includes('FILL IN'));
      expect(fillIns.map((line) => line.trim())).toEqual([
        '# Lines marked "FILL IN" need a value or a CI/CD variable (Settings > CI/CD > Variables) from you.',
        expect.stringContaining('# FILL IN: the registry host[:port]'),
        expect.stringContaining('# FILL IN if needed: Docker-in-Docker'),
        expect.stringContaining('# FILL IN: a masked CI/CD variable NX_BASE_TOKEN'),
        expect.stringContaining('# FILL IN: masked CI/CD variables REGISTRY_USERNAME and REGISTRY_PASSWORD'),
      ]);
    });

    it('with --gitops: a deploy-stage job that pushes the kustomization change with a token to fill in', async () => {
      const { doc, text } = await generate(workspace(), { provider: 'gitlab', gitops: true });
      expect(doc.stages).toEqual(['verify', 'deploy']);
      const gitops = doc.gitops;
      expect(gitops).toMatchObject({ stage: 'deploy', image: 'node:24-trixie', needs: [{ job: 'affected', artifacts: true }], rules: [{ if: '$CI_COMMIT_BRANCH == "main"' }] });
      expect(gitops.script).toEqual(
        expect.arrayContaining([
          'git remote set-url origin "${CI_SERVER_PROTOCOL}://gitops:${GITOPS_TOKEN}@${CI_SERVER_FQDN}/${CI_PROJECT_PATH}.git"',
          'git checkout --quiet -B main origin/main',
          `node ${CI_SCRIPTS.gitops} --commit --push --remote origin --branch main`,
        ]),
      );
      expect(text).toContain('# FILL IN: a masked CI/CD variable GITOPS_TOKEN');
    });
  });

  describe('options', () => {
    it('mainBranch, parallel and fileName reach every place that names them', async () => {
      const github = await generate(workspace(), { provider: 'github', mainBranch: 'release/v2', parallel: 8, fileName: 'build.yaml', gitops: true });
      expect(github.path).toBe('.github/workflows/build.yaml');
      expect(github.doc.on.push.branches).toEqual(['release/v2']);
      expect(stepUsing(github.doc.jobs.affected, 'nrwl/nx-set-shas').with['main-branch-name']).toBe('release/v2');
      expect(github.text).not.toMatch(/\bmain\b(?!-)/);
      expect(github.text).toContain('--parallel=8');
      const gitlab = await generate(workspace(), { provider: 'gitlab', mainBranch: 'Release/V2', fileName: 'ci/pipeline.yml' });
      expect(gitlab.path).toBe('ci/pipeline.yml');
      expect(gitlab.doc.affected.cache[0].fallback_keys).toEqual(['nx-release-v2']);
      expect(gitlab.doc.workflow.rules[2]).toEqual({ if: '$CI_COMMIT_BRANCH == "Release/V2"' });
    });

    it('--registry prefills REGISTRY without a FILL IN and becomes docker-tag\'s registry in nx.json', async () => {
      const tree = workspace();
      const { doc, text } = await generate(tree, { provider: 'github', registry: 'registry.acme.io:5000' });
      expect(doc.env.REGISTRY).toBe('registry.acme.io:5000');
      expect(text).not.toContain('FILL IN: the registry');
      expect(readNxJson(tree)?.targetDefaults?.['docker-tag']).toEqual({ options: { registry: 'registry.acme.io:5000' } });
      expect(warn).not.toHaveBeenCalledWith(expect.stringContaining('registry'));
    });

    it('takes the registry from nx.json when none is given; a different --registry is kept and reported', async () => {
      const tree = workspace();
      updateNxJson(tree, { ...readNxJson(tree), targetDefaults: { ...readNxJson(tree)?.targetDefaults, 'docker-tag': { options: { registry: 'ghcr.io' } } } });
      const { doc } = await generate(tree, { provider: 'gitlab' });
      expect(doc.variables.REGISTRY).toBe('ghcr.io');
      await generate(tree, { provider: 'gitlab', registry: 'quay.io', force: true });
      expect(readNxJson(tree)?.targetDefaults?.['docker-tag']).toEqual({ options: { registry: 'ghcr.io' } });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('nx.json sets docker-tag\'s registry to "ghcr.io", so images are named after it, but the pipeline logs in to "quay.io"'));
    });

    it('uses the target names of the plugin options', async () => {
      const tree = workspace();
      updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: '@org/go', options: { lintTargetName: 'vet', dockerScanTargetName: 'scan', dockerPushTargetName: 'publish' } }] });
      const { text } = await generate(tree, { provider: 'github' });
      expect(text).toContain('npx nx affected -t vet test docker-build scan publish --parallel=3');
      expect(readNxJson(tree)?.targetDefaults?.['scan']).toEqual({ configurations: { ci: { format: 'sarif' } } });
    });

    it('Go: go.work, else go.mod (setup-go reads the file), else the installed Go; Node from .nvmrc when there is one', async () => {
      const modOnly = workspace();
      modOnly.delete('go.work');
      modOnly.write('go.mod', 'module example.com/shop\n\ngo 1.25.3\n');
      modOnly.write('.nvmrc', '22\n');
      const github = await generate(modOnly, { provider: 'github' });
      expect(stepUsing(github.doc.jobs.affected, 'actions/setup-go').with['go-version-file']).toBe('go.mod');
      expect(stepUsing(github.doc.jobs.affected, 'actions/setup-node').with).toEqual({ 'node-version-file': '.nvmrc', cache: 'npm' });
      const gitlab = await generate(modOnly, { provider: 'gitlab' });
      expect(gitlab.doc.variables.GO_VERSION).toBe('1.25');

      const none = workspace();
      none.delete('go.work');
      const bare = await generate(none, { provider: 'github' });
      expect(stepUsing(bare.doc.jobs.affected, 'actions/setup-go').with['go-version']).toBe(detectGoVersion());
    });

    it('adds the ci configuration that makes docker-scan write SARIF, keeps a user\'s setting and warns when it is not SARIF', async () => {
      const tree = workspace();
      await generate(tree, { provider: 'github' });
      const scan = readNxJson(tree)?.targetDefaults?.['docker-scan'] as Yaml;
      expect(scan).toEqual({ configurations: { ci: { format: 'sarif' } } });
      // The configuration is one docker-scan accepts.
      const schema = JSON.parse(readFileSync(join(PLUGIN_ROOT, 'src/executors/docker-scan/schema.json'), 'utf8'));
      expect(schema.properties.format.enum).toContain(scan.configurations.ci.format);
      const tagSchema = JSON.parse(readFileSync(join(PLUGIN_ROOT, 'src/executors/docker-tag/schema.json'), 'utf8'));
      expect(tagSchema.properties.registry.type).toBe('string');

      const custom = workspace();
      updateNxJson(custom, { ...readNxJson(custom), targetDefaults: { 'docker-scan': { options: { failOn: 'HIGH' }, configurations: { ci: { format: 'json' } } } } });
      await generate(custom, { provider: 'github' });
      expect(readNxJson(custom)?.targetDefaults?.['docker-scan']).toEqual({ options: { failOn: 'HIGH' }, configurations: { ci: { format: 'json' } } });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('configurations.ci.format to "json"'));
    });

    it('reads and extends the filtered-array form of targetDefaults', async () => {
      const tree = workspace();
      updateNxJson(tree, {
        ...readNxJson(tree),
        targetDefaults: {
          'docker-tag': [{ filter: { projects: ['tag:team-a'] }, options: { registry: 'a.example.com' } }],
          'docker-scan': [{ options: { failOn: 'HIGH' } }],
        },
      });
      const { doc } = await generate(tree, { provider: 'github' });
      expect(doc.env.REGISTRY).toBe('a.example.com');
      expect(readNxJson(tree)?.targetDefaults?.['docker-scan']).toEqual([{ options: { failOn: 'HIGH' } }, { configurations: { ci: { format: 'sarif' } } }]);
    });

    it('runs the scripts the installed plugin ships', () => {
      for (const script of Object.values(CI_SCRIPTS)) {
        expect(script).toMatch(/^node_modules\/@org\/go\/src\/ci\/[a-z-]+\.js$/);
        expect(existsSync(join(PLUGIN_ROOT, script.replace('node_modules/@org/go/', '').replace(/\.js$/, '.ts')))).toBe(true);
      }
    });

    it('warns when the plugin is not registered or there is no package-lock.json', async () => {
      const tree = createTreeWithEmptyWorkspace();
      await generate(tree, { provider: 'github' });
      const warnings = warn.mock.calls.flat().join('\n');
      expect(warnings).toContain('@org/go is not registered in nx.json');
      expect(warnings).toContain('There is no package-lock.json');
      expect(info.mock.calls.flat().join('\n')).toContain('Wrote .github/workflows/ci.yml (GitHub Actions)');
    });
  });

  describe('refusals', () => {
    it('refuses to overwrite an existing pipeline unless --force, and then the tree is untouched', async () => {
      for (const [provider, path] of [
        ['github', '.github/workflows/ci.yml'],
        ['gitlab', '.gitlab-ci.yml'],
      ] as const) {
        const tree = workspace();
        tree.write(path, 'mine: true\n');
        const before = snapshotTree(tree);
        await expect(ciGenerator(tree, { provider })).rejects.toThrow(`${path} already exists. Run again with --force to replace it`);
        expect(snapshotTree(tree)).toEqual(before);
        await ciGenerator(tree, { provider, force: true });
        expect(tree.read(path, 'utf-8')).toContain('nx affected');
      }
    });

    it('is stable: a second run with --force changes nothing', async () => {
      const tree = workspace();
      await ciGenerator(tree, { provider: 'gitlab', gitops: true, registry: 'registry.acme.io' });
      const first = snapshotTree(tree);
      await ciGenerator(tree, { provider: 'gitlab', gitops: true, registry: 'registry.acme.io', force: true });
      expect(snapshotTree(tree)).toEqual(first);
    });

    it.each<[string, Partial<CiGeneratorSchema>, string]>([
      ['an unknown provider', { provider: 'jenkins' as never }, 'Invalid provider "jenkins": use "github" (GitHub Actions) or "gitlab" (GitLab CI)'],
      ['a bad branch', { mainBranch: 'main branch' }, 'Invalid mainBranch "main branch"'],
      ['a branch with ..', { mainBranch: 'a..b' }, 'Invalid mainBranch "a..b"'],
      ['parallel 0', { parallel: 0 }, 'Invalid parallel "0": use a whole number from 1 to 64'],
      ['parallel 2.5', { parallel: 2.5 }, 'Invalid parallel "2.5"'],
      ['a registry with a scheme', { registry: 'https://registry.example.com' }, 'Invalid registry "https://registry.example.com": give the host without a scheme, e.g. "registry.example.com"'],
      ['a registry with a path', { registry: 'ghcr.io/acme' }, 'Invalid registry "ghcr.io/acme": give only the host[:port], e.g. "ghcr.io"'],
      ['a workflow outside .github/workflows', { fileName: 'sub/ci.yml' }, 'Invalid fileName "sub/ci.yml": GitHub reads workflows only directly in .github/workflows'],
      ['a non-YAML file', { fileName: 'ci.json' }, 'Invalid fileName "ci.json": the pipeline is YAML'],
    ])('rejects %s and leaves the tree untouched', async (_, options, message) => {
      const tree = workspace();
      const before = snapshotTree(tree);
      await expect(ciGenerator(tree, { provider: 'github', ...options })).rejects.toThrow(message);
      expect(snapshotTree(tree)).toEqual(before);
    });

    it('rejects a GitLab file outside the workspace and leaves the tree untouched', async () => {
      const tree = workspace();
      const before = snapshotTree(tree);
      await expect(ciGenerator(tree, { provider: 'gitlab', fileName: '../.gitlab-ci.yml' })).rejects.toThrow('Invalid fileName "../.gitlab-ci.yml": it leaves the workspace');
      await expect(ciGenerator(tree, { provider: 'gitlab', fileName: 'ci/.gitlab-ci.yml' })).resolves.toBeDefined();
      expect(snapshotTree(tree).size).toBe(before.size + 1);
    });
  });

  describe('validators', () => {
    it.each(['main', 'master', 'release/v2', 'trunk_1', 'dev-2026.11'])('accepts branch %s', (branch) => expect(validateBranch(branch)).toBeUndefined());
    it.each(['-x', '/main', 'main/', 'a..b', 'x.lock', 'feat/.hidden', 'main:prod', "it's", ''])('rejects branch %j', (branch) => expect(validateBranch(branch)).toMatch(/^Invalid mainBranch/));
    it.each(['registry.example.com', 'ghcr.io', '127.0.0.1:5000', 'localhost:5055', 'my-registry'])('accepts registry %s', (registry) => expect(validateRegistry(registry)).toBeUndefined());
    it.each(['Registry.io', 'reg_istry.io', 'host:0', 'host:70000', '-x.io', 'x.io:'])('rejects registry %s', (registry) => expect(validateRegistry(registry)).toMatch(/^Invalid registry/));
    it('parallel: whole numbers 1..64', () => {
      expect([1, 3, 64].map(validateParallel)).toEqual([undefined, undefined, undefined]);
      expect([0, 65, 1.5, '3' as unknown, NaN].map((value) => validateParallel(value) !== undefined)).toEqual([true, true, true, true, true]);
    });
    it('fileName: github takes a name, gitlab a path', () => {
      expect(validateFileName('github', 'ci.yml')).toBeUndefined();
      expect(validateFileName('github', '.ci.yml')).toMatch(/^Invalid fileName/);
      expect(validateFileName('gitlab', '.gitlab-ci.yml')).toBeUndefined();
      expect(validateFileName('gitlab', 'ci/main.yaml')).toBeUndefined();
      expect(validateFileName('gitlab', '/etc/ci.yml')).toMatch(/use a path relative to the workspace root/);
    });
    it('goDirective reads go.work and go.mod', () => {
      expect(goDirective('go 1.26\n')).toBe('1.26');
      expect(goDirective('// comment\ngo 1.25.3 // pinned\n\nuse ./a\n')).toBe('1.25');
      expect(goDirective('module x\n\ntoolchain go1.26.1\n')).toBeUndefined();
    });
    it('refSlug follows $CI_COMMIT_REF_SLUG', () => {
      expect(refSlug('main')).toBe('main');
      expect(refSlug('Release/V2.1')).toBe('release-v2-1');
      expect(refSlug('-x-')).toBe('x');
    });
  });
});
