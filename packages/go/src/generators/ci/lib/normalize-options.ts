import { readNxJson, type NxJsonConfiguration, type TargetConfiguration, type Tree } from '@nx/devkit';
import { PLUGIN_NAME } from '../../../utils/constants';
import { detectGoVersion, toLanguageVersion } from '../../../utils/go-version';
import { findPluginEntry, resolvePluginOptions } from '../../../utils/plugin-options';
import { failIf, validateWorkspacePath } from '../../shared/validate';
import type { CiGeneratorSchema, CiProvider } from '../schema';

export const PROVIDERS: CiProvider[] = ['github', 'gitlab'];
/** Placeholder written when no registry is known: the pipeline says to fill it in. */
export const REGISTRY_PLACEHOLDER = 'registry.example.com';
/** The configuration `nx affected --configuration=ci` selects: docker-scan writes SARIF under it. */
export const CI_CONFIGURATION = 'ci';

export interface CiTargetNames {
  lint: string;
  test: string;
  dockerBuild: string;
  dockerScan: string;
  dockerTag: string;
  dockerPush: string;
}

export interface NormalizedCiOptions {
  provider: CiProvider;
  /** Workspace-relative path of the file to write. */
  filePath: string;
  mainBranch: string;
  parallel: number;
  gitops: boolean;
  /** The registry the pipeline logs in to; the placeholder when `registryKnown` is false. */
  registry: string;
  registryKnown: boolean;
  /** Where the registry came from: the option, nx.json, or nowhere. */
  registrySource: 'option' | 'nx.json' | 'placeholder';
  /** Set docker-tag's registry in nx.json (the option named one and nx.json has none). */
  writeRegistryToNxJson: boolean;
  /** go.work or go.mod at the root, which setup-go reads; undefined: goVersion. */
  goVersionFile?: string;
  /** Go major.minor (go.work / go.mod directive, else the installed Go). */
  goVersion: string;
  /** .nvmrc or .node-version, when the workspace has one. */
  nodeVersionFile?: string;
  targets: CiTargetNames;
  warnings: string[];
}

/** Git's rules for a branch name, simplified to what is also safe inside YAML and shell words. */
export function validateBranch(branch: string): string | undefined {
  const bad =
    !/^[A-Za-z0-9._/-]+$/.test(branch) ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.') ||
    branch.endsWith('.lock') ||
    branch.includes('..') ||
    branch.includes('//') ||
    branch.split('/').some((part) => part.startsWith('.'));
  return bad ? `Invalid mainBranch "${branch}": use a git branch name of letters, digits, ".", "_", "-" and "/", e.g. "main".` : undefined;
}

export function validateParallel(parallel: unknown): string | undefined {
  if (typeof parallel !== 'number' || !Number.isInteger(parallel) || parallel < 1 || parallel > 64) {
    return `Invalid parallel "${String(parallel)}": use a whole number from 1 to 64, e.g. 3 (tasks nx affected runs at once).`;
  }
  return undefined;
}

/** host[:port], as docker login and image references take it; no scheme, no path. */
export function validateRegistry(registry: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(registry)) {
    return `Invalid registry "${registry}": give the host without a scheme, e.g. "${registry.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]}".`;
  }
  if (registry.includes('/')) {
    return `Invalid registry "${registry}": give only the host[:port], e.g. "${registry.split('/')[0]}"; the repository path is docker-tag's "repository" option.`;
  }
  const match = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::(\d{1,5}))?$/.exec(registry);
  if (!match || (match[2] !== undefined && (Number(match[2]) < 1 || Number(match[2]) > 65535))) {
    return `Invalid registry "${registry}": use a lowercase host name with an optional port, e.g. "registry.example.com" or "127.0.0.1:5000".`;
  }
  return undefined;
}

export function validateFileName(provider: CiProvider, fileName: string): string | undefined {
  if (!/\.ya?ml$/.test(fileName)) return `Invalid fileName "${fileName}": the pipeline is YAML; end the name with .yml or .yaml, e.g. "${provider === 'github' ? 'ci.yml' : '.gitlab-ci.yml'}".`;
  if (provider === 'github') {
    return /^[A-Za-z0-9_.-]+$/.test(fileName) && !fileName.startsWith('.')
      ? undefined
      : `Invalid fileName "${fileName}": GitHub reads workflows only directly in .github/workflows; give a file name such as "ci.yml".`;
  }
  // The shared path rules, with dot-files allowed (.gitlab-ci.yml, ci/.pipeline.yml).
  return validateWorkspacePath(fileName.replace(/(^|\/)\.(?=[^./])/g, '$1_'), 'fileName', '.gitlab-ci.yml')?.replace(/"[^"]*"/, `"${fileName}"`);
}

/** The Go version directive of a go.work or go.mod (`go 1.26` / `go 1.26.3`), as major.minor. */
export function goDirective(content: string): string | undefined {
  const match = /^go\s+(\d+\.\d+(?:\.\d+)?)\s*(?:\/\/.*)?$/m.exec(content);
  return match ? toLanguageVersion(match[1]) : undefined;
}

function targetNames(nxJson: NxJsonConfiguration | null): CiTargetNames {
  const resolved = resolvePluginOptions(findPluginEntry(nxJson)?.options);
  return {
    lint: resolved.lintTargetName,
    test: resolved.testTargetName,
    dockerBuild: resolved.dockerBuildTargetName,
    dockerScan: resolved.dockerScanTargetName,
    dockerTag: resolved.dockerTagTargetName,
    dockerPush: resolved.dockerPushTargetName,
  };
}

/** The configs of a targetDefaults value: the object itself, or each entry of the filtered-array form (in order). */
export function targetDefaultEntries(value: NonNullable<NxJsonConfiguration['targetDefaults']>[string] | undefined): Partial<TargetConfiguration>[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** docker-tag's registry as nx.json targetDefaults set it (by target name or by executor). */
export function nxJsonRegistry(nxJson: NxJsonConfiguration | null, tagTarget: string): string | undefined {
  const defaults = nxJson?.targetDefaults ?? {};
  for (const key of [tagTarget, `${PLUGIN_NAME}:docker-tag`]) {
    const registries = targetDefaultEntries(defaults[key])
      .map((entry) => (entry.options as { registry?: unknown } | undefined)?.registry)
      .filter((registry): registry is string => typeof registry === 'string' && registry !== '');
    if (registries.length > 0) return registries[registries.length - 1];
  }
  return undefined;
}

/** Checks every option against the tree; throws before anything is written. */
export function normalizeOptions(tree: Tree, schema: CiGeneratorSchema): NormalizedCiOptions {
  const provider = schema.provider;
  if (!PROVIDERS.includes(provider)) {
    throw new Error(`Invalid provider "${String(provider)}": use "github" (GitHub Actions) or "gitlab" (GitLab CI), e.g. --provider=github.`);
  }
  const mainBranch = (schema.mainBranch ?? 'main').trim();
  failIf(validateBranch(mainBranch));
  const parallel = schema.parallel ?? 3;
  failIf(validateParallel(parallel));

  const fileName = (schema.fileName ?? (provider === 'github' ? 'ci.yml' : '.gitlab-ci.yml')).trim();
  failIf(validateFileName(provider, fileName));
  const filePath = provider === 'github' ? `.github/workflows/${fileName}` : fileName.replace(/^\.\//, '');
  if (tree.exists(filePath) && !tree.isFile(filePath)) throw new Error(`${filePath} exists and is a folder; choose another fileName.`);
  if (tree.exists(filePath) && !schema.force) {
    throw new Error(`${filePath} already exists. Run again with --force to replace it, or --fileName to write another file (the existing one is left as it is).`);
  }

  const nxJson = readNxJson(tree);
  const targets = targetNames(nxJson);
  const warnings: string[] = [];
  const fromNxJson = nxJsonRegistry(nxJson, targets.dockerTag);
  const option = schema.registry?.trim() || undefined;
  if (option !== undefined) failIf(validateRegistry(option));
  if (option && fromNxJson && option !== fromNxJson) {
    warnings.push(
      `nx.json sets docker-tag's registry to "${fromNxJson}", so images are named after it, but the pipeline logs in to "${option}". Make them the same (nx.json targetDefaults["${targets.dockerTag}"].options.registry).`,
    );
  }
  const registry = option ?? fromNxJson;
  if (!registry) {
    warnings.push(
      `No registry is known: ${filePath} logs in to the placeholder "${REGISTRY_PLACEHOLDER}". Fill in REGISTRY there, and set the same host as targetDefaults["${targets.dockerTag}"].options.registry in nx.json (or run again with --registry=<host> --force).`,
    );
  }

  let goVersionFile: string | undefined;
  let goVersion: string | undefined;
  for (const file of ['go.work', 'go.mod']) {
    if (!tree.exists(file)) continue;
    goVersion = goDirective(tree.read(file, 'utf-8') ?? '');
    if (goVersion) {
      goVersionFile = file;
      break;
    }
  }
  goVersion ??= detectGoVersion();

  if (!findPluginEntry(nxJson)) {
    warnings.push(`${PLUGIN_NAME} is not registered in nx.json, so nx affected will find no Go projects. Run "nx add ${PLUGIN_NAME}" (or "nx g ${PLUGIN_NAME}:init").`);
  }
  if (!tree.exists('package-lock.json')) {
    warnings.push('There is no package-lock.json: the pipeline installs with "npm ci", which needs one. Run "npm install" and commit it.');
  }
  const nodeVersionFile = ['.nvmrc', '.node-version'].find((file) => tree.exists(file));

  return {
    provider,
    filePath,
    mainBranch,
    parallel,
    gitops: schema.gitops ?? false,
    registry: registry ?? REGISTRY_PLACEHOLDER,
    registryKnown: registry !== undefined,
    registrySource: option ? 'option' : fromNxJson ? 'nx.json' : 'placeholder',
    writeRegistryToNxJson: option !== undefined && fromNxJson === undefined,
    goVersionFile,
    goVersion,
    nodeVersionFile,
    targets,
    warnings,
  };
}
