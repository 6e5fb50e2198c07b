import { parseDockerfile, substitute } from './dockerfile-plan';

/** An image a Dockerfile stage starts FROM, with the build args applied. */
export interface BaseImage {
  reference: string;
  /** The FROM line. */
  line: number;
  /** The ARG the reference came from (`FROM ${BUILDER_IMAGE}`), to name in advice. */
  arg?: string;
  pinned: boolean;
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;

export function isPinnedReference(reference: string): boolean {
  return DIGEST.test(reference);
}

/**
 * The external base images of a Dockerfile (not `scratch`, not earlier stages), as the engine will
 * resolve them with these build args, each marked pinned when it names a digest.
 */
export function dockerfileBaseImages(dockerfile: string, buildArgs: Record<string, string> = {}): BaseImage[] {
  const parsed = parseDockerfile(dockerfile);
  const args = new Map<string, string | undefined>();
  for (const [name, value] of parsed.globalArgs) args.set(name, buildArgs[name] ?? value);
  const stageNames = new Set<string>();
  const bases: BaseImage[] = [];
  parsed.stages.forEach((stage, index) => {
    const reference = substitute(stage.from, args);
    const arg = /^\$\{?(\w+)\}?$/.exec(stage.from)?.[1];
    if (reference !== 'scratch' && !stageNames.has(reference.toLowerCase())) {
      bases.push({ reference, line: stage.line, arg, pinned: isPinnedReference(reference) });
    }
    if (stage.name) stageNames.add(stage.name.toLowerCase());
    stageNames.add(String(index));
  });
  return bases;
}

/** Refuses a Dockerfile whose external bases are not all pinned by digest; the message says how to pin each. */
export function assertPinnedBases(dockerfile: string, dockerfileLabel: string, buildArgs: Record<string, string> = {}): BaseImage[] {
  const bases = dockerfileBaseImages(dockerfile, buildArgs);
  const unpinned = bases.filter((base) => !base.pinned);
  if (unpinned.length > 0) {
    const list = unpinned.map((base) => `  ${base.reference} (${dockerfileLabel}:${base.line}${base.arg ? `, ARG ${base.arg}` : ''})`).join('\n');
    const example = unpinned.find((base) => base.arg);
    throw new Error(
      `requirePinnedBase is on, and these base images are not pinned by digest:\n${list}\n` +
        `Pin them as name@sha256:<digest>: regenerate with "nx g @org/go:docker --project=<project> --pinImages" (digests from this engine), ` +
        `edit the FROM/ARG lines${example ? `, or pass buildArgs ${example.arg}=${example.reference}@sha256:<digest>` : ''}.`,
    );
  }
  return bases;
}
