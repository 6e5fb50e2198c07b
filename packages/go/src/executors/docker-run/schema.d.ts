export interface DockerRunExecutorSchema {
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
