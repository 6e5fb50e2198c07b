export interface DockerRunExecutorSchema {
  /** Engine URL or Docker CLI context name (default: as the docker CLI picks it). */
  engine?: string;
  image?: string;
  port?: number;
  containerPort?: number;
  host?: string;
  name?: string;
  env?: Record<string, string> | string[];
  envFile?: string;
  detach?: boolean;
  healthTimeout?: number;
  stopTimeout?: number;
}
