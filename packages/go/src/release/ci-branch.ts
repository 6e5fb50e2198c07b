/**
 * The branch a CI job builds, from the variables CI systems set: they check out a detached HEAD, so
 * git alone cannot tell. Pull requests report their source branch.
 */
export function branchFromCi(env: NodeJS.ProcessEnv): string | undefined {
  const candidates = [
    env.GITHUB_HEAD_REF,
    env.GITHUB_REF_TYPE === 'branch' ? env.GITHUB_REF_NAME : undefined,
    env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME,
    env.CI_COMMIT_BRANCH,
    env.BUILDKITE_BRANCH,
    env.CIRCLE_BRANCH,
    env.BITBUCKET_BRANCH,
    env.BRANCH_NAME,
  ];
  return candidates.find((value) => value !== undefined && value.trim() !== '')?.trim();
}
