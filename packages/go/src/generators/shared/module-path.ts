import { readJson, type Tree } from '@nx/devkit';
import { toSourceUrl } from '../../utils/git';

/**
 * The default Go module path of a new module: `<repository>/<projectRoot>` when the workspace has a
 * git remote (`github.com/acme/shop/apps/orders`), else `example.com/<workspace>/<projectRoot>`.
 */
export function deriveModulePath(input: { gitRemote?: string; workspaceName?: string; projectRoot: string }): string {
  const repository = input.gitRemote ? toSourceUrl(input.gitRemote)?.replace(/^https:\/\//, '') : undefined;
  if (repository) return `${repository.toLowerCase()}/${input.projectRoot}`;
  const workspace = (input.workspaceName ?? 'workspace')
    .replace(/^@/, '')
    .split('/')[0]
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return `example.com/${workspace || 'workspace'}/${input.projectRoot}`;
}

/** `url = …` of `[remote "origin"]` in a .git/config text. */
export function originUrlFromGitConfig(config: string): string | undefined {
  const section = config.split(/^\s*\[/m).find((part) => /^remote\s+"origin"\]/.test(part));
  return section?.match(/^\s*url\s*=\s*(.+?)\s*$/m)?.[1];
}

/** `deriveModulePath` fed from the workspace: the origin remote in .git/config, else package.json's name. */
export function defaultModulePath(tree: Tree, projectRoot: string): string {
  return deriveModulePath({
    gitRemote: tree.exists('.git/config') ? originUrlFromGitConfig(tree.read('.git/config', 'utf-8') ?? '') : undefined,
    workspaceName: tree.exists('package.json') ? readJson<{ name?: string }>(tree, 'package.json').name : undefined,
    projectRoot,
  });
}
