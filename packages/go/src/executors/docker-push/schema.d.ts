export interface DockerPushExecutorSchema {
  usernameEnv?: string;
  passwordEnv?: string;
  retries?: number;
  retryDelay?: number;
  gitTag?: boolean;
  dryRun?: boolean;
  quiet?: boolean;
}
