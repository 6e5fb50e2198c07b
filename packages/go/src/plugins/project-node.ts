import type { ProjectConfiguration } from '@nx/devkit';
import type { GoProject } from '../graph/workspace-graph';
import type { ResolvedGoPluginOptions } from '../utils/plugin-options';
import { createTargetGroups, createTargets, goNamedInputs } from './targets';

/** The Nx project configuration of one Go project. */
export function projectNode(project: GoProject, options: ResolvedGoPluginOptions): ProjectConfiguration {
  const targets = createTargets(project, options);
  return {
    name: project.name,
    root: project.root,
    projectType: project.kind === 'service' ? 'application' : 'library',
    tags: ['lang:go', `type:${project.kind}`],
    namedInputs: goNamedInputs(project),
    targets,
    metadata: {
      technologies: ['go'],
      targetGroups: createTargetGroups(targets, options),
      go: { module: project.modulePath, imports: project.imports },
    } as Record<string, unknown>,
  };
}

