export { DockerClient, splitReference, demuxBuffer, type BuildOptions, type LogFollower } from './client';
export { DockerError, BuildInterruptedError, classifyDockerError, isConnectionLoss, unreachableMessage, type DockerErrorKind } from './errors';
export { followProgress, type ProgressEvent } from './progress';
export { describeEndpoint } from './endpoint';
export { createBuildContext, type BuildContext, type ContextExtras } from './build-context';
export {
  resolveRegistryCredentials,
  runCredentialHelper,
  dockerConfigPath,
  normalizeRegistryKey,
  engineAuthConfig,
  type RegistryCredentials,
  type ResolvedCredentials,
  type ExplicitCredentialEnv,
  type CredentialHelperRunner,
} from './credentials';
export { RegistryClient, RegistryError, registryScheme, parseChallenge, MANIFEST_ACCEPT, type RegistryErrorKind } from './registry';
