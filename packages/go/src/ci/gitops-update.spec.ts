import { logger } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { serviceGenerator } from '../generators/service/service';
import type { TagsFile } from '../release/tags-file';
import type { ImageMetadata, PushRecord } from '../utils/image-metadata';
import { findPushedImages, parseGitopsArgs, runGitopsUpdate } from './gitops-update';

const REGISTRY = 'registry.example.com';
const digestOf = (n: string) => `sha256:${n.repeat(64).slice(0, 64)}`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function write(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** What docker-build, docker-tag and docker-push leave in dist/ for one service. */
function recordImage(
  root: string,
  projectRoot: string,
  projectName: string,
  version: string,
  options: { pushed?: boolean; planImage?: string; pushedImage?: string } = {},
): { digest: string } {
  const id = `sha256:${projectName.padEnd(64, '0').slice(0, 64)}`;
  const repository = `${REGISTRY}/shop/${projectName}`;
  const digest = digestOf(projectName[0]);
  const tags: TagsFile['tags'] = [
    { tag: version, reference: `${repository}:${version}`, mutable: false, template: '{version}' },
    { tag: 'sha-abc1234', reference: `${repository}:sha-abc1234`, mutable: false, template: 'sha-{shortSha}' },
    { tag: 'latest', reference: `${repository}:latest`, mutable: true, template: 'latest' },
  ];
  const metadata: Partial<ImageMetadata> = { projectName, id, tags: [`${projectName}:latest`] };
  const push: PushRecord = {
    projectName,
    id: options.pushedImage ?? id,
    repoDigests: [`${repository}@${digest}`],
    digests: Object.fromEntries(tags.map((tag) => [tag.reference, digest])),
    pushedAt: '2026-11-27T10:00:00.000Z',
  };
  if (options.pushed !== false) write(root, `dist/${projectRoot}/docker/push.json`, JSON.stringify(push, null, 2));
  const plan: Partial<TagsFile> = { projectName, imageId: options.planImage ?? id, version, channel: 'development' as TagsFile['channel'], repository, tags, skipped: [] };
  write(root, `dist/${projectRoot}/docker/image.json`, JSON.stringify(metadata, null, 2));
  write(root, `dist/${projectRoot}/docker/tags.json`, JSON.stringify(plan, null, 2));
  return { digest };
}

/** A repository with three generated services (two with deploy/k8s), pushed to a bare remote. */
async function workspaceRepo(base: string): Promise<{ root: string; remote: string }> {
  jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  const tree = createTreeWithEmptyWorkspace();
  await serviceGenerator(tree, { name: 'orders', k8s: true, goVersion: '1.26' });
  await serviceGenerator(tree, { name: 'payments', k8s: true, goVersion: '1.26' });
  await serviceGenerator(tree, { name: 'billing', goVersion: '1.26' });
  const root = join(base, 'work');
  const remote = join(base, 'remote.git');
  for (const name of ['orders', 'payments']) {
    const path = `apps/${name}/deploy/k8s/kustomization.yaml`;
    write(root, path, tree.read(path, 'utf-8') as string);
  }
  write(root, 'apps/billing/README.md', '# billing\n');
  write(root, '.gitignore', 'dist\n');
  git(base, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(base, 'init', '--quiet', '--initial-branch=main', root);
  git(root, 'config', 'user.name', 'CI');
  git(root, 'config', 'user.email', 'ci@example.com');
  git(root, 'add', '.');
  git(root, 'commit', '--quiet', '-m', 'initial');
  git(root, 'remote', 'add', 'origin', remote);
  git(root, 'push', '--quiet', 'origin', 'main');
  return { root, remote };
}

describe('gitops-update', () => {
  let base: string;
  let root: string;
  let remote: string;
  let log: string[];
  const run = (...args: string[]) => runGitopsUpdate(['--workspace', root, ...args], (line) => log.push(line));

  beforeEach(async () => {
    base = mkdtempSync(join(tmpdir(), 'org-go-gitops-'));
    ({ root, remote } = await workspaceRepo(base));
    log = [];
  });
  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('points the kustomization of each pushed service at its version tag, commits only that, and pushes', () => {
    recordImage(root, 'apps/orders', 'orders', '0.2.0-dev.3');
    recordImage(root, 'apps/payments', 'payments', '1.4.0', { pushed: false });
    recordImage(root, 'apps/billing', 'billing', '0.1.0');
    writeFileSync(join(root, 'apps/billing/README.md'), '# billing, edited\n'); // a change that is not the job's

    expect(run('--commit', '--push', '--branch', 'main')).toBe(0);

    const orders = parse(readFileSync(join(root, 'apps/orders/deploy/k8s/kustomization.yaml'), 'utf8'));
    expect(orders.images).toEqual([{ name: 'orders', newName: `${REGISTRY}/shop/orders`, newTag: '0.2.0-dev.3' }]);
    expect(parse(readFileSync(join(root, 'apps/payments/deploy/k8s/kustomization.yaml'), 'utf8')).images).toEqual([{ name: 'payments', newName: 'payments', newTag: 'latest' }]);
    expect(log.join('\n')).toContain('dist/apps/payments/docker/image.json: built but not pushed; skipped.');
    expect(log.join('\n')).toContain('billing: no apps/billing/deploy/k8s/kustomization.yaml; skipped');

    expect(git(remote, 'log', '-1', '--format=%s', 'main')).toBe('chore(deploy): roll out orders 0.2.0-dev.3 [skip ci]');
    expect(git(remote, 'log', '-1', '--format=%b', 'main')).toBe(`- apps/orders/deploy/k8s/kustomization.yaml: ${REGISTRY}/shop/orders:0.2.0-dev.3`);
    expect(git(remote, 'show', '--name-only', '--format=', 'main')).toBe('apps/orders/deploy/k8s/kustomization.yaml');
    expect(git(root, 'status', '--porcelain')).toBe('M apps/billing/README.md');

    // A second run finds everything in place: no commit.
    log = [];
    const head = git(remote, 'rev-parse', 'main');
    expect(run('--commit', '--push', '--branch', 'main')).toBe(0);
    expect(log.join('\n')).toContain(`orders: apps/orders/deploy/k8s/kustomization.yaml already points at ${REGISTRY}/shop/orders:0.2.0-dev.3`);
    expect(git(remote, 'rev-parse', 'main')).toBe(head);
  });

  it('rebases onto a branch that moved meanwhile and pushes then', () => {
    const other = join(base, 'other');
    git(base, 'clone', '--quiet', remote, other);
    git(other, 'config', 'user.name', 'Dev');
    git(other, 'config', 'user.email', 'dev@example.com');
    writeFileSync(join(other, 'apps/billing/README.md'), '# billing v2\n');
    git(other, 'commit', '--quiet', '-am', 'docs: billing');
    git(other, 'push', '--quiet', 'origin', 'main');

    recordImage(root, 'apps/orders', 'orders', '0.2.0');
    expect(run('--commit', '--push', '--branch', 'main')).toBe(0);
    expect(log.join('\n')).toMatch(/push rejected .*; rebasing onto origin\/main and retrying \(1\/2\)/);
    expect(git(remote, 'log', '--format=%s', 'main').split('\n')).toEqual(['chore(deploy): roll out orders 0.2.0 [skip ci]', 'docs: billing', 'initial']);
  });

  it('--digest pins the pushed digest too; --dry-run writes nothing', () => {
    const { digest } = recordImage(root, 'apps/orders', 'orders', '0.2.0');
    const file = join(root, 'apps/orders/deploy/k8s/kustomization.yaml');
    const before = readFileSync(file, 'utf8');
    expect(run('--digest', '--dry-run')).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(log.join('\n')).toContain(`now ${REGISTRY}/shop/orders:0.2.0@${digest} (dry run: not written)`);
    expect(run('--digest')).toBe(0);
    expect(parse(readFileSync(file, 'utf8')).images[0]).toEqual({ name: 'orders', newName: `${REGISTRY}/shop/orders`, newTag: '0.2.0', digest });
    expect(git(root, 'status', '--porcelain')).toBe('M apps/orders/deploy/k8s/kustomization.yaml'); // no --commit: not committed
  });

  it('leaves out a push record of an earlier image: the service was built again since and not pushed', () => {
    recordImage(root, 'apps/orders', 'orders', '0.2.0', { pushedImage: `sha256:${'e'.repeat(64)}` });
    const notes: string[] = [];
    expect(findPushedImages(root, notes)).toEqual([]);
    expect(notes).toEqual(['dist/apps/orders/docker/image.json: built but not pushed; skipped.']);
  });

  it('leaves out a tag plan of another image, and says when nothing was pushed', () => {
    recordImage(root, 'apps/orders', 'orders', '0.2.0', { planImage: `sha256:${'f'.repeat(64)}` });
    const notes: string[] = [];
    expect(findPushedImages(root, notes)).toEqual([]);
    expect(notes).toEqual([expect.stringContaining('dist/apps/orders/docker/image.json: tags.json does not describe the pushed image')]);
    rmSync(join(root, 'dist'), { recursive: true });
    expect(run('--commit')).toBe(0);
    expect(log.join('\n')).toContain('no pushed image is recorded under dist/');
  });

  it('rejects arguments that cannot work', () => {
    expect(() => parseGitopsArgs(['--push'])).toThrow('--push needs --commit');
    expect(() => parseGitopsArgs(['--commit', '--push'])).toThrow('--push needs --branch');
    expect(() => parseGitopsArgs(['--kustomization', '../x.yaml'])).toThrow('must be a path inside each service folder');
    expect(() => parseGitopsArgs(['--bogus'])).toThrow();
    expect(run('--push')).toBe(2);
  });
});
