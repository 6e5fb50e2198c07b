export interface DockerBuildExecutorSchema {
  /** Refuse unpinned base images (name@sha256:… required). */
  requirePinnedBase?: boolean;
  /** Engine URL or Docker CLI context name (default: as the docker CLI picks it). */
  engine?: string;
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
  /** `multistage` builds the Dockerfile in the engine; `prebuilt` compiles on the host and assembles the runtime image without a Dockerfile build. */
  mode?: 'multistage' | 'prebuilt';
  /** Warn when the build context sent is bigger than this many bytes (default 50 MB; 0: never). */
  contextWarnBytes?: number;
}
