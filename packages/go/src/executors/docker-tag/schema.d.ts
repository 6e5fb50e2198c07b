export type VersionSourceName = 'explicit' | 'nx-release' | 'git-tag' | 'conventional-commits';

export interface DockerTagExecutorSchema {
  /** Engine URL or Docker CLI context name (default: as the docker CLI picks it). */
  engine?: string;
  version?: string;
  versionSources?: VersionSourceName[];
  release?: boolean;
  releaseBranches?: string[];
  devPrerelease?: 'count' | 'sha';
  initialVersion?: string;
  gitTagPatterns?: string[];
  registry?: string;
  repository?: string;
  tags?: string[];
  prereleaseTags?: string[];
  branchTags?: boolean;
  branch?: string;
  dryRun?: boolean;
}
