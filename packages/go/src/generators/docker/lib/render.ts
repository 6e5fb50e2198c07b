/**
 * The Dockerfile and .dockerignore of an existing service, from the plugin's one template
 * (`src/dockerfile`). The template is written for generated services (binary in `cmd/<name>`, a
 * `healthcheck` and a `version` subcommand, the Dockerfile at the context root); the few places
 * where an existing service differs are rewritten here, each checked to match exactly once so a
 * template change fails loudly instead of producing a wrong file.
 */
import { renderDockerfile, renderDockerignore } from '../../../dockerfile/render';
import type { BaseImageKind } from '../../../utils/constants';

export type HealthcheckMode = 'self' | 'http' | 'none';

export interface ServiceDockerfileInput {
  /** Nx project that builds the image. */
  projectName: string;
  /** Binary name, also the image's file name `/<binary>`. */
  binary: string;
  goVersion: string;
  port: number;
  baseImage: BaseImageKind;
  /** Main package to build, relative to the build context: `.` or `./cmd/api`. */
  packagePath: string;
  /** The Dockerfile's folder relative to the build context: `.` or `cmd/api`. */
  dockerfileDir: string;
  healthcheck: HealthcheckMode;
  healthPath: string;
  /** Whether `-X main.version=${VERSION}` can be passed to the linker. */
  setVersion: boolean;
}

/** Replaces the single match of `pattern`; throws when the template has none or several. */
function replaceOnce(text: string, pattern: RegExp, replacement: (match: RegExpExecArray) => string, what: string): string {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  const matches = [...text.matchAll(global)];
  if (matches.length !== 1) {
    throw new Error(
      `The plugin's Dockerfile template has ${matches.length === 0 ? 'no' : 'more than one'} ${what}; ` +
        'the docker generator cannot adapt it. Update packages/go/src/generators/docker/lib/render.ts to the template.',
    );
  }
  const match = matches[0] as RegExpExecArray;
  return text.slice(0, match.index) + replacement(match) + text.slice(match.index + match[0].length);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function renderServiceDockerfile(input: ServiceDockerfileInput): string {
  const { binary } = input;
  let text = renderDockerfile({ name: binary, goVersion: input.goVersion, port: input.port, baseImage: input.baseImage });

  const atContextRoot = input.dockerfileDir === '.';
  text = replaceOnce(
    text,
    new RegExp(`^# Build, with this directory as the build context:\\n#   nx run .*:docker-build\\n#   docker build -t ${escape(binary)}:dev \\.\\n`, 'm'),
    () =>
      atContextRoot
        ? `# Build, with this directory as the build context:\n#   nx run ${input.projectName}:docker-build\n#   docker build -t ${binary}:dev .\n`
        : `# Build, with the module root as the build context (this file is in ${input.dockerfileDir}/):\n` +
          `#   nx run ${input.projectName}:docker-build\n` +
          `#   docker build -f ${input.dockerfileDir}/Dockerfile -t ${binary}:dev .    (in the module root)\n`,
    'build instructions comment',
  );

  text = replaceOnce(
    text,
    /^# The version the binary reports .*\n(ARG VERSION=dev\n)/m,
    (match) =>
      (input.setVersion
        ? '# Recorded in main.version when the program declares `var version string`; docker-build passes the project\'s version.\n'
        : '# The program\'s main.version is not a string variable, so the linker is not asked to set it; VERSION still labels the image.\n') +
      match[1],
    'version comment',
  );

  text = replaceOnce(
    text,
    new RegExp(`( -o /out/${escape(binary)}) \\./cmd/${escape(binary)}$`, 'm'),
    (match) => `${match[1]} ${input.packagePath}`,
    'go build line',
  );
  if (!input.setVersion) {
    text = replaceOnce(text, / -X main\.version=\$\{VERSION\}/, () => '', '-X main.version flag');
  }

  text = replaceOnce(
    text,
    /^# The binary checks itself.*\nHEALTHCHECK (.*?) CMD .*\n/m,
    (match) => {
      const timing = match[1];
      if (input.healthcheck === 'self') {
        return `# The binary checks itself (\`${binary} healthcheck\`): no shell, curl or wget is needed in the image.\nHEALTHCHECK ${timing} CMD ["/${binary}", "healthcheck"]\n`;
      }
      if (input.healthcheck === 'http') {
        const url = `http://127.0.0.1:${input.port}${input.healthPath}`;
        return `# busybox wget (in alpine) asks the service for ${input.healthPath}; scratch and distroless have no wget.\nHEALTHCHECK ${timing} CMD ["wget", "-q", "-O", "/dev/null", "${url}"]\n`;
      }
      return (
        '# No HEALTHCHECK: the program has no `healthcheck` subcommand to run in a\n' +
        '# shell-less image. Add one and regenerate with --healthcheck=self, or use\n' +
        '# --baseImage=alpine --healthcheck=http to probe an HTTP endpoint with wget.\n'
      );
    },
    'HEALTHCHECK instruction',
  );
  return text;
}

/**
 * The standard .dockerignore for the build context (the module root), plus `!` exceptions for the
 * Go package folders and embedded files the build needs but the standard patterns leave out.
 */
export function renderServiceDockerignore(input: { name: string; goVersion: string; port: number; baseImage: BaseImageKind }, exceptions: string[]): string {
  const text = renderDockerignore(input);
  if (exceptions.length === 0) return text;
  return (
    `${text.replace(/\n*$/, '\n')}\n` +
    '# Go packages and embedded files of this module that the image build needs but\n' +
    '# the patterns above leave out.\n' +
    exceptions.map((path) => `!${path}\n`).join('')
  );
}
