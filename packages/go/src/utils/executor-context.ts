import type { ExecutorContext } from '@nx/devkit';
import { isAbsolute, join, relative, resolve } from 'node:path';

export interface ProjectLocation {
  projectName: string;
  projectRoot: string;
  workspaceRoot: string;
}

export function projectLocation(context: ExecutorContext): ProjectLocation {
  const projectName = context.projectName;
  if (!projectName) throw new Error('This executor must run for a project, e.g. "nx run orders:docker-build".');
  const project = context.projectsConfigurations?.projects[projectName];
  if (!project) throw new Error(`Project "${projectName}" is not in the workspace. Check the name with "nx show projects".`);
  return { projectName, projectRoot: project.root, workspaceRoot: context.root };
}

/** Resolves a user path relative to the project root (always), refusing paths outside the workspace. */
export function resolveFromProject(location: ProjectLocation, path: string, option: string): string {
  const absolute = isAbsolute(path) ? path : resolve(location.workspaceRoot, location.projectRoot, path);
  const fromWorkspace = relative(location.workspaceRoot, absolute);
  if (fromWorkspace.startsWith('..') || isAbsolute(fromWorkspace)) {
    throw new Error(`Option "${option}" (${path}) points outside the workspace. Use a path inside it, relative to ${join(location.projectRoot) || '.'}.`);
  }
  return absolute;
}
