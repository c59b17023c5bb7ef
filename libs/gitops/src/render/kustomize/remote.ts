/** Whether a kustomization entry names something remote (a URL, or a Git host shorthand) that Flotilla refuses. */
export function isRemote(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) ||
    entry.startsWith('git@')
  );
}
