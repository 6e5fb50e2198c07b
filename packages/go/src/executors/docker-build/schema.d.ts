export interface DockerBuildExecutorSchema {
  dockerfile?: string;
  context?: string;
  target?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  tags?: string[];
  version?: string;
  noCache?: boolean;
  pull?: boolean;
  platform?: string;
  network?: string;
  quiet?: boolean;
}
