/** What `npm start` prints once everything runs: where things are, and a short tour. */
import { isAbsolute, relative } from 'node:path';

export interface BannerInfo {
  base: string;
  adminTokenFile: string;
  adminToken: string;
  natsUrl: string;
  repoUrl?: string;
  clusters: { name: string; tags: string[]; kubeconfigPath: string }[];
}

/**
 * How a path is shown: relative to `cwd` when it lies inside it (`.flotilla/…`, as the README
 * writes it), else absolute — never `../../tmp/…`.
 */
export function displayPath(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export function banner(info: BannerInfo, cwd: string = process.cwd()): string {
  const rel = (p: string) => displayPath(p, cwd);
  const lines = [
    '',
    'Flotilla is running on embedded defaults.',
    `  dashboard       ${info.base}/`,
    `  GraphQL API     ${info.base}/graphql`,
    `  health/metrics  ${info.base}/healthz  ${info.base}/metrics`,
    `  agent NATS      ${info.natsUrl}`,
    `  admin token     ${info.adminToken}`,
    `                  (kept in ${rel(info.adminTokenFile)}, readable by you only)`,
  ];
  if (info.repoUrl && info.clusters.length) {
    const first = info.clusters[0]!;
    lines.push(
      `  fleet repo      ${info.repoUrl}`,
      '  clusters        ' + info.clusters.map((c) => `${c.name} [${c.tags.join(',')}]`).join('  '),
      '',
      'A short tour:',
      '  1. Open the dashboard and log in with the admin token: six clusters turn Synced + Healthy.',
      '  2. Change the fleet and watch the rollout go canary → edge → rest:',
      `       git clone ${info.repoUrl} fleet && cd fleet`,
      "       sed -i 's/Hello from Flotilla/Hello again/' bases/podinfo/configmap.yaml",
      "       git commit -am 'Say hello again' && git push",
      '  3. Edit a cluster by hand and watch the drift get reverted:',
      `       kubectl --kubeconfig ${rel(first.kubeconfigPath)} -n podinfo scale deploy/podinfo --replicas=5`,
      `       kubectl --kubeconfig ${rel(first.kubeconfigPath)} -n podinfo get deploy/podinfo`,
    );
  }
  lines.push(
    '',
    'From the shell:',
    `  curl -s ${info.base}/graphql -H 'content-type: application/json' \\`,
    `    -H "authorization: Bearer $(cat ${rel(info.adminTokenFile)})" \\`,
    `    -d '{"query":"{ fleetSummary { clusters { total online } } }"}'`,
    '',
    'Stop with Ctrl-C; everything is kept for the next start.',
    '',
  );
  return lines.join('\n');
}
