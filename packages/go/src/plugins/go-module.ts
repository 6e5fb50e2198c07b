import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** What inference needs to know about one Go module folder. */
export interface GoModuleInfo {
  /** Workspace-relative folder of go.mod (`.` for the root). */
  root: string;
  /** `module` line of go.mod. */
  modulePath: string;
  /** Main packages: `cmd/<name>` folders, and `.` when the module root itself is `package main`. */
  commands: string[];
  hasDockerfile: boolean;
  /** Name set in a project.json beside go.mod, if any. */
  configuredName?: string;
}

/** The `module` directive of a go.mod (quoted or bare), or undefined when there is none. */
export function parseModulePath(goMod: string): string | undefined {
  const match = goMod.match(/^\s*module\s+(?:"([^"]+)"|`([^`]+)`|(\S+))/m);
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

/** Whether a folder holds a `package main` Go file that is not a test. */
export function isMainPackage(dir: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return false;
  }
  return entries
    .filter((file) => file.endsWith('.go') && !file.endsWith('_test.go'))
    .some((file) => /^\s*package\s+main\b/m.test(stripLeadingComments(readFileSync(join(dir, file), 'utf8'))));
}

function stripLeadingComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

export function readGoModule(workspaceRoot: string, root: string): GoModuleInfo {
  const abs = join(workspaceRoot, root);
  const goModPath = join(abs, 'go.mod');
  const modulePath = parseModulePath(readFileSync(goModPath, 'utf8'));
  if (!modulePath) {
    throw new Error(`${join(root, 'go.mod')} has no "module" line. Add one, e.g. "module example.com/acme/${basename(abs)}".`);
  }
  const commands: string[] = [];
  if (isMainPackage(abs)) commands.push('.');
  const cmdDir = join(abs, 'cmd');
  if (existsSync(cmdDir)) {
    for (const entry of readdirSync(cmdDir, { withFileTypes: true })) {
      if (entry.isDirectory() && isMainPackage(join(cmdDir, entry.name))) commands.push(`cmd/${entry.name}`);
    }
  }
  commands.sort();
  let configuredName: string | undefined;
  const projectJson = join(abs, 'project.json');
  if (existsSync(projectJson)) {
    try {
      configuredName = (JSON.parse(readFileSync(projectJson, 'utf8')) as { name?: string }).name;
    } catch {
      throw new Error(`${join(root, 'project.json')} is not valid JSON. Fix it or remove it.`);
    }
  }
  return { root, modulePath, commands, hasDockerfile: existsSync(join(abs, 'Dockerfile')), configuredName };
}

/** Project name: project.json's name, else the folder name, else (root module) the module path's last element. */
export function projectNameOf(info: GoModuleInfo): string {
  if (info.configuredName) return info.configuredName;
  if (info.root !== '.' && info.root !== '') return basename(info.root);
  return info.modulePath.split('/').pop() ?? 'go';
}
