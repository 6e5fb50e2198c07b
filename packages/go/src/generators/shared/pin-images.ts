import { DockerClient } from '../../docker';
import { isValidReference } from '../../utils/image-reference';

/** What `--builderImage` and `--pinImages` ask of the generated Dockerfile. */
export interface ImageChoices {
  /** Full reference of the build stage's image (a mirror, a digest), instead of golang:<go>-bookworm. */
  builderImage?: string;
  /** Replace every base image by name@sha256:<digest>, read from this machine's engine. */
  pinImages?: boolean;
}

const IMAGE_ARG = /^ARG ((?:BUILDER|RUNTIME)_IMAGE)=(\S+)\s*$/gm;
const PINNED = /@sha256:[0-9a-f]{64}$/;

/** The `ARG BUILDER_IMAGE=…` / `ARG RUNTIME_IMAGE=…` defaults of a generated Dockerfile. */
export function imageArgs(dockerfile: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (const match of dockerfile.matchAll(IMAGE_ARG)) args[match[1]] = match[2];
  return args;
}

/** The Dockerfile with new defaults for those ARGs. */
export function withImageArgs(dockerfile: string, values: Record<string, string>): string {
  return dockerfile.replace(IMAGE_ARG, (line, name: string) => (values[name] ? `ARG ${name}=${values[name]}` : line));
}

/** `golang:1.26-bookworm` → `docker.io/library/golang`, to compare with the engine's RepoDigests. */
export function repositoryOf(reference: string): string {
  let name = reference.split('@')[0];
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  const first = name.split('/')[0];
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return name;
  return `docker.io/${name.includes('/') ? name : `library/${name}`}`;
}

/** The image's digest in its own repository, from the engine's RepoDigests (`golang@sha256:…`). */
export function digestFor(reference: string, repoDigests: string[]): string | undefined {
  const repository = repositoryOf(reference);
  for (const entry of repoDigests) {
    const [name, digest] = entry.split('@');
    if (digest && repositoryOf(name) === repository) return digest;
  }
  return undefined;
}

/**
 * Applies the image choices to a rendered Dockerfile. Every check (reference syntax, the engine, a
 * digest for each image) is done before the caller writes anything; errors say what to do instead.
 */
export async function applyImageChoices(dockerfile: string, choices: ImageChoices, client: () => DockerClient = () => DockerClient.fromEnvironment()): Promise<{ dockerfile: string; pinned: string[] }> {
  let text = dockerfile;
  if (choices.builderImage !== undefined) {
    const [name, digest] = choices.builderImage.split('@');
    if (!isValidReference(name) || (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest))) {
      throw new Error(`Invalid builderImage "${choices.builderImage}": give an image reference, e.g. "mirror.example.com/library/golang:1.26-bookworm" (a digest may follow: …@sha256:<64 hex>).`);
    }
    text = withImageArgs(text, { BUILDER_IMAGE: choices.builderImage });
  }
  if (!choices.pinImages) return { dockerfile: text, pinned: [] };

  const engine = client();
  try {
    await engine.ping();
  } catch (err) {
    throw new Error(`--pinImages reads the images' digests from the Docker engine, which did not answer: ${(err as Error).message}`);
  }
  const pins: Record<string, string> = {};
  const pinned: string[] = [];
  for (const [name, reference] of Object.entries(imageArgs(text))) {
    if (reference === 'scratch' || PINNED.test(reference)) continue;
    const image = await engine.inspectImage(reference);
    if (!image) {
      throw new Error(`Cannot pin ${reference}: it is not in the Docker engine at ${engine.endpoint}. Pull it first ("docker pull ${reference}"), then run the generator again.`);
    }
    const digest = digestFor(reference, image.RepoDigests ?? []);
    if (!digest) {
      throw new Error(
        `Cannot pin ${reference}: the engine knows no registry digest for it (an image built or loaded locally has none). ` +
          `Pull it from its registry ("docker pull ${reference}"), or write the digest yourself: ARG ${name}=${reference}@sha256:<digest>.`,
      );
    }
    pins[name] = `${reference.split('@')[0]}@${digest}`;
    pinned.push(pins[name]);
  }
  return { dockerfile: withImageArgs(text, pins), pinned };
}
