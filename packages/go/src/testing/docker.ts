import { spawnSync } from 'node:child_process';
import { describeEndpoint } from '../docker';

/**
 * Docker-backed specs run against a real engine. Locally they are skipped with a clear message when
 * no engine answers; under CI (CI=true) they always run, so a missing engine fails the build.
 */
export function dockerAvailable(): boolean {
  const probe = spawnSync(
    process.execPath,
    ['-e', "new (require('dockerode'))().ping().then(() => process.exit(0), () => process.exit(1))"],
    { timeout: 8000, cwd: __dirname },
  );
  return probe.status === 0;
}

const available = dockerAvailable();
const mustRun = ['true', '1'].includes(process.env.CI ?? '') || process.env.ORG_GO_REQUIRE_DOCKER === '1';
if (!available && !mustRun) {
  // eslint-disable-next-line no-console
  console.warn(
    `Docker is not running (no engine answered at ${describeEndpoint()}): skipping Docker-backed specs. ` +
      'Start one with tools/ensure-docker.sh, or set DOCKER_HOST. Under CI (or ORG_GO_REQUIRE_DOCKER=1) these specs never skip.',
  );
}

/** `describe` for specs that need a Docker engine. */
export const describeDocker: jest.Describe = available || mustRun ? describe : describe.skip;
