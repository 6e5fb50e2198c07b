/**
 * The GitOps step of the generated CI pipelines: after docker-push, point each pushed service's
 * `deploy/k8s/kustomization.yaml` at the image it pushed (immutable tag, optionally the digest), then
 * commit and push that change so Argo CD-style tools roll it out.
 *
 *   node node_modules/@org/go/src/ci/gitops-update.js [--commit] [--push] [--branch main] [--remote origin]
 *        [--digest] [--kustomization deploy/k8s/kustomization.yaml] [--workspace .] [--dry-run]
 *
 * What was pushed is read from what docker-push recorded: `dist/<projectRoot>/docker/push.json` (the
 * pushed digests and `pushedAt` of the image `image.json` records) and the tag plan beside it, `tags.json`. Exit code 0 also when there
 * is nothing to update.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { pushRecordPath, withPushRecord, type ImageMetadata, type PushRecord } from '../utils/image-metadata';
import { readJsonFile } from '../utils/json-file';
import type { TagsFile } from '../release/tags-file';
import { setKustomizeImage } from './kustomization';

export const DEFAULT_KUSTOMIZATION = 'deploy/k8s/kustomization.yaml';

/** One image docker-push pushed in this workspace, as the files in dist/ record it. */
export interface PushedImage {
  projectName: string;
  /** Workspace-relative, `/`-separated. */
  projectRoot: string;
  /** e.g. `registry.example.com/team/orders`. */
  repository: string;
  /** The immutable tag deployments should pin: the version, else the first immutable tag. */
  tag: string;
  /** Manifest digest of `repository:tag` as the registry reported it. */
  digest?: string;
  version: string;
}

export interface GitopsChange {
  projectName: string;
  file: string;
  status: 'updated' | 'added' | 'unchanged' | 'no-kustomization';
  image?: string;
}

/** Every `dist/<projectRoot>/docker/image.json` below `distDir`. */
function findImageRecords(distDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === 'node_modules') continue;
      const child = join(dir, entry.name);
      if (entry.name === 'docker' && existsSync(join(child, 'image.json'))) found.push(join(child, 'image.json'));
      walk(child);
    }
  };
  walk(distDir);
  return found.sort();
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}).`);
  }
}

/** The tag a deployment should pin: `{version}`'s tag, else the first immutable one. */
function pinnedTag(plan: TagsFile): TagsFile['tags'][number] | undefined {
  const immutable = plan.tags.filter((tag) => !tag.mutable);
  return immutable.find((tag) => tag.template === '{version}') ?? immutable[0];
}

/**
 * The images docker-push pushed: image.json records with a push record (push.json) of the same image, whose tags.json plans the same
 * image. `notes` says why a record was left out.
 */
export function findPushedImages(workspaceRoot: string, notes: string[] = []): PushedImage[] {
  const images: PushedImage[] = [];
  for (const file of findImageRecords(join(workspaceRoot, 'dist'))) {
    const shown = relative(workspaceRoot, file).split(sep).join('/');
    const projectRoot = relative(join(workspaceRoot, 'dist'), dirname(dirname(file))).split(sep).join('/') || '.';
    const built = readJson<Partial<ImageMetadata>>(file);
    const metadata: Partial<ImageMetadata> = withPushRecord(built as ImageMetadata, readJsonFile<Partial<PushRecord>>(join(workspaceRoot, pushRecordPath(projectRoot))));
    if (!metadata.pushedAt) {
      notes.push(`${shown}: built but not pushed; skipped.`);
      continue;
    }
    const tagsFile = join(dirname(file), 'tags.json');
    if (!existsSync(tagsFile)) {
      notes.push(`${shown}: pushed, but tags.json is missing beside it; skipped.`);
      continue;
    }
    const plan = readJson<Partial<TagsFile>>(tagsFile);
    if (!Array.isArray(plan.tags) || typeof plan.repository !== 'string' || plan.imageId !== metadata.id) {
      notes.push(`${shown}: tags.json does not describe the pushed image ${String(metadata.id).slice(0, 19)}; skipped.`);
      continue;
    }
    const tag = pinnedTag(plan as TagsFile);
    if (!tag) {
      notes.push(`${shown}: no immutable tag was pushed (only ${plan.tags.map((t) => t.tag).join(', ') || 'none'}); a deployment must not follow a moving tag; skipped.`);
      continue;
    }
    const digest = metadata.digests?.[tag.reference] ?? metadata.repoDigests?.find((entry) => entry.startsWith(`${plan.repository}@`))?.split('@')[1];
    images.push({
      projectName: metadata.projectName ?? posix.basename(projectRoot),
      projectRoot,
      repository: plan.repository,
      tag: tag.tag,
      digest,
      version: plan.version ?? tag.tag,
    });
  }
  return images;
}

/** Names an `images:` entry may carry for this image: the project's, the repository's, its last path element. */
function entryNames(image: PushedImage): string[] {
  const last = image.repository.slice(image.repository.lastIndexOf('/') + 1);
  return [...new Set([image.projectName, image.repository, last])];
}

/** Edits each pushed service's kustomization; returns what changed (files are written unless dryRun). */
export function updateKustomizations(
  workspaceRoot: string,
  images: PushedImage[],
  options: { kustomization?: string; digest?: boolean; dryRun?: boolean } = {},
): GitopsChange[] {
  const relativeFile = options.kustomization ?? DEFAULT_KUSTOMIZATION;
  return images.map((image) => {
    const file = posix.join(image.projectRoot, relativeFile);
    const path = join(workspaceRoot, file);
    if (!existsSync(path)) return { projectName: image.projectName, file, status: 'no-kustomization' };
    if (options.digest && !image.digest) {
      throw new Error(`${image.projectName}: --digest asks to pin the digest, but none is recorded for ${image.repository}:${image.tag} in dist/${image.projectRoot}/docker/push.json.`);
    }
    const edit = setKustomizeImage(
      readFileSync(path, 'utf8'),
      { name: image.projectName, newName: image.repository, newTag: image.tag, digest: options.digest ? image.digest : undefined },
      entryNames(image),
      file,
    );
    if (edit.changed && !options.dryRun) writeFileSync(path, edit.content);
    const shown = `${image.repository}:${image.tag}${options.digest ? `@${image.digest}` : ''}`;
    return { projectName: image.projectName, file, status: edit.changed ? edit.entry : 'unchanged', image: shown };
  });
}

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`git ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
  }
}

/** The commit message: which services roll out to which version. `[skip ci]` keeps the commit from starting another pipeline. */
export function commitMessage(changes: GitopsChange[], images: PushedImage[]): string {
  const rolled = changes
    .filter((change) => change.status === 'updated' || change.status === 'added')
    .map((change) => {
      const image = images.find((candidate) => candidate.projectName === change.projectName);
      return `${change.projectName} ${image?.tag ?? ''}`.trim();
    });
  const body = changes.filter((change) => change.image && change.status !== 'unchanged').map((change) => `- ${change.file}: ${change.image}`);
  return [`chore(deploy): roll out ${rolled.join(', ')} [skip ci]`, '', ...body].join('\n');
}

/** Commits exactly `files` (nothing else that is staged or changed); false when they hold no change. */
export function commitFiles(cwd: string, files: string[], message: string): boolean {
  git(cwd, ['add', '--', ...files]);
  try {
    execFileSync('git', ['diff', '--cached', '--quiet', '--', ...files], { cwd, stdio: 'ignore' });
    return false;
  } catch {
    // differences: commit them
  }
  git(cwd, ['commit', '--quiet', '-m', message, '--', ...files]);
  return true;
}

/** Pushes HEAD to `branch`; when the branch moved meanwhile, rebases onto it and tries again. */
export function pushWithRebase(cwd: string, remote: string, branch: string, attempts = 3, log: (line: string) => void = () => undefined): void {
  for (let attempt = 1; ; attempt++) {
    try {
      git(cwd, ['push', '--quiet', remote, `HEAD:refs/heads/${branch}`]);
      return;
    } catch (err) {
      if (attempt >= attempts) throw new Error(`${(err as Error).message}\nGave up after ${attempts} attempts.`);
      log(`push rejected (${(err as Error).message.split('\n')[0]}); rebasing onto ${remote}/${branch} and retrying (${attempt}/${attempts - 1})`);
      git(cwd, ['pull', '--quiet', '--rebase', remote, branch]);
    }
  }
}

export interface GitopsOptions {
  workspace: string;
  kustomization: string;
  digest: boolean;
  commit: boolean;
  push: boolean;
  remote: string;
  branch?: string;
  dryRun: boolean;
}

const USAGE =
  'Usage: gitops-update [--workspace DIR] [--kustomization deploy/k8s/kustomization.yaml] [--digest] [--commit] [--push --branch NAME [--remote origin]] [--dry-run]';

export function parseGitopsArgs(argv: string[]): GitopsOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', default: '.' },
      kustomization: { type: 'string', default: DEFAULT_KUSTOMIZATION },
      digest: { type: 'boolean', default: false },
      commit: { type: 'boolean', default: false },
      push: { type: 'boolean', default: false },
      remote: { type: 'string', default: 'origin' },
      branch: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new Error(USAGE);
  if (values.push && !values.commit) throw new Error('--push needs --commit: there is nothing to push without a commit.');
  if (values.push && !values.branch) throw new Error('--push needs --branch, the branch the deploy change goes to (e.g. --branch main).');
  if (values.kustomization.startsWith('/') || values.kustomization.split('/').includes('..')) {
    throw new Error(`--kustomization "${values.kustomization}" must be a path inside each service folder, e.g. ${DEFAULT_KUSTOMIZATION}.`);
  }
  return {
    workspace: values.workspace,
    kustomization: values.kustomization,
    digest: values.digest,
    commit: values.commit,
    push: values.push,
    remote: values.remote,
    branch: values.branch,
    dryRun: values['dry-run'],
  };
}

/** The command: returns the exit code; prints what it did to `log`. */
export function runGitopsUpdate(argv: string[], log: (line: string) => void = (line) => console.log(line)): number {
  let options: GitopsOptions;
  try {
    options = parseGitopsArgs(argv);
  } catch (err) {
    log(`gitops-update: ${(err as Error).message}`);
    return 2;
  }
  try {
    const notes: string[] = [];
    const images = findPushedImages(options.workspace, notes);
    for (const note of notes) log(`gitops-update: ${note}`);
    if (images.length === 0) {
      log('gitops-update: no pushed image is recorded under dist/ (docker-push records what it pushed in dist/<projectRoot>/docker/push.json); nothing to update.');
      return 0;
    }
    const changes = updateKustomizations(options.workspace, images, { kustomization: options.kustomization, digest: options.digest, dryRun: options.dryRun });
    for (const change of changes) {
      const what =
        change.status === 'no-kustomization'
          ? `no ${change.file}; skipped`
          : change.status === 'unchanged'
            ? `${change.file} already points at ${change.image}`
            : `${change.file}: ${change.status === 'added' ? 'added an images entry for' : 'now'} ${change.image}${options.dryRun ? ' (dry run: not written)' : ''}`;
      log(`gitops-update: ${change.projectName}: ${what}`);
    }
    const changed = changes.filter((change) => change.status === 'updated' || change.status === 'added');
    if (changed.length === 0 || options.dryRun || !options.commit) return 0;
    const committed = commitFiles(
      options.workspace,
      changed.map((change) => change.file),
      commitMessage(changes, images),
    );
    if (!committed) return 0;
    log(`gitops-update: committed ${git(options.workspace, ['rev-parse', '--short', 'HEAD'])} (${changed.length} file${changed.length === 1 ? '' : 's'})`);
    if (options.push) {
      pushWithRebase(options.workspace, options.remote, options.branch as string, 3, (line) => log(`gitops-update: ${line}`));
      log(`gitops-update: pushed to ${options.remote} ${options.branch}`);
    }
    return 0;
  } catch (err) {
    log(`gitops-update: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runGitopsUpdate(process.argv.slice(2));
}
