import { toSourceUrl } from '../../../utils/git';

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
