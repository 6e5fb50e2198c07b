export interface DockerPushExecutorSchema {
  /** Engine URL or Docker CLI context name (default: as the docker CLI picks it). */
  engine?: string;
  usernameEnv?: string;
  passwordEnv?: string;
  retries?: number;
  retryDelay?: number;
  gitTag?: boolean;
  dryRun?: boolean;
  quiet?: boolean;
}
