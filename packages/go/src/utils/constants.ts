/** The package name users install and write in nx.json. */
export const PLUGIN_NAME = '@org/go';

/** Go version written into go.mod and builder image tags when no Go is installed. */
export const FALLBACK_GO_VERSION = '1.26';

/** Where services and libraries go when the plugin options say nothing. */
export const DEFAULT_SERVICES_DIR = 'apps';
export const DEFAULT_LIBRARIES_DIR = 'libs';

export const DEFAULT_PORT = 8080;

/** Runtime base images a service can be generated with. */
export const RUNTIME_IMAGES = {
  scratch: 'scratch',
  distroless: 'gcr.io/distroless/static-debian12:nonroot',
  alpine: 'alpine:3.22',
} as const;
export type BaseImageKind = keyof typeof RUNTIME_IMAGES;

/** Builder image for a Go version, e.g. `1.26` → `golang:1.26-bookworm`. */
export function builderImageFor(goVersion: string): string {
  const [major, minor] = goVersion.split('.');
  return `golang:${major}.${minor}-bookworm`;
}

/** Labels the plugin puts on what it creates, so it can find its own things again. */
export const LABEL_PROJECT = 'org.go.nx.project';
export const LABEL_RUN = 'org.go.nx.run';
/** The Nx inputs hash of the docker-build task that built the image. */
export const LABEL_INPUTS_HASH = 'org.go.nx.inputs-hash';

/** Folders never scanned for Go modules. */
export const IGNORED_DIRS = ['node_modules', 'vendor', 'dist', 'tmp', 'testdata', '.git', '.nx'];
