import type { ProjectConfiguration } from '@nx/devkit';
import type { GoProject } from '../graph/workspace-graph';
import type { ResolvedGoPluginOptions } from '../utils/plugin-options';
import { createTargetGroups, createTargets, goNamedInputs } from './targets';

/** A workspace module a service's image is built from, besides its own. */
export interface ImageModule {
  root: string;
  modulePath: string;
  inGoWork: boolean;
}

/** What `metadata.go` of a Go project holds; docker-build reads `moduleRoot` and `imageModules`. */
export interface GoProjectMetadata {
  module: string;
  moduleRoot: string;
  imports: GoProject['imports'];
  imageModules: ImageModule[];
}

/** The Nx project configuration of one Go project; `modules` are all module projects, to describe image modules. */
export function projectNode(project: GoProject, options: ResolvedGoPluginOptions, modules: Map<string, GoProject>): ProjectConfiguration {
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
      go: {
        module: project.modulePath,
        moduleRoot: project.moduleRoot,
        imports: project.imports,
        imageModules: Object.keys(project.closures.image.modules)
          .filter((root) => root !== project.moduleRoot)
          .map((root) => ({ root, modulePath: modules.get(root)?.modulePath ?? root, inGoWork: modules.get(root)?.inGoWork ?? true })),
      } satisfies GoProjectMetadata,
    } as Record<string, unknown>,
  };
}

