/** The time the image is said to be created: SOURCE_DATE_EPOCH when set (reproducible builds), else now. */
export function createdTimestamp(env: NodeJS.ProcessEnv, now: Date = new Date()): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch)) {
      throw new Error(`SOURCE_DATE_EPOCH="${epoch}" is not a whole number of seconds since 1970. Unset it or set e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct).`);
    }
    return new Date(Number(epoch) * 1000).toISOString();
  }
  return now.toISOString();
}

export interface OciLabelInput {
  title: string;
  version: string;
  created: string;
  revision?: string;
  source?: string;
}

/** `org.opencontainers.image.*` labels; absent facts are left out rather than written empty. */
export function ociLabels(input: OciLabelInput): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': input.title,
    'org.opencontainers.image.version': input.version,
    'org.opencontainers.image.created': input.created,
  };
  if (input.revision) labels['org.opencontainers.image.revision'] = input.revision;
  if (input.source) labels['org.opencontainers.image.source'] = input.source;
  return labels;
}

/** The same facts as build args, for Dockerfiles that declare `ARG VERSION` etc. */
export function ociBuildArgs(input: OciLabelInput): Record<string, string> {
  const args: Record<string, string> = { VERSION: input.version, CREATED: input.created };
  if (input.revision) args['REVISION'] = input.revision;
  if (input.source) args['SOURCE'] = input.source;
  return args;
}
