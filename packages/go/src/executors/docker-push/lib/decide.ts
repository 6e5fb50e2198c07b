import { pushOrder, type PlannedTag } from '../../../release/tag-set';
import { registryHostOf } from '../../../utils/image-reference';

export interface PushTarget extends PlannedTag {
  /** Registry host (`127.0.0.1:5055`, `docker.io`). */
  host: string;
  /** Repository path on that registry (`team/orders`). */
  path: string;
  /** `host/path` as the engine names it (the part before `:tag`). */
  repository: string;
}

/** The plan's tags in push order (immutable first), each with where it goes. */
export function pushTargets(repository: string, tags: PlannedTag[]): PushTarget[] {
  const { host, path } = registryHostOf(repository);
  return pushOrder(tags).map((tag) => ({ ...tag, host, path, repository }));
}

/** Docker Hub repositories as the engine writes them: `docker.io/library/x` → `x`, `docker.io/team/x` → `team/x`. */
function familiar(repository: string): string {
  return repository.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\/(?=[^/]+$)/, '');
}

/** Our digest of `repository` from the engine's RepoDigests (`repo@sha256:…`), known once the image was pushed there. */
export function localDigest(repoDigests: string[] | undefined, repository: string): string | undefined {
  for (const entry of repoDigests ?? []) {
    const at = entry.lastIndexOf('@');
    if (at > 0 && familiar(entry.slice(0, at)) === familiar(repository)) return entry.slice(at + 1);
  }
  return undefined;
}

/** Skip a tag the registry already has at our digest; push everything else. */
export function pushDecision(remote: string | undefined, local: string | undefined): 'skip' | 'push' {
  return remote !== undefined && local !== undefined && remote === local ? 'skip' : 'push';
}

/** The `repoDigests` entries after a push: one per repository, the newest digest wins. */
export function mergeRepoDigests(existing: string[] | undefined, pushed: { repository: string; digest: string }[]): string[] {
  const byRepo = new Map<string, string>();
  for (const entry of existing ?? []) {
    const at = entry.lastIndexOf('@');
    if (at > 0) byRepo.set(entry.slice(0, at), entry.slice(at + 1));
  }
  for (const { repository, digest } of pushed) byRepo.set(repository, digest);
  return [...byRepo.entries()].map(([repository, digest]) => `${repository}@${digest}`);
}
