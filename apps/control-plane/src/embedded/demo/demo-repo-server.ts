/**
 * The demo fleet repository: bare, served by `git http-backend` on a fixed loopback port, seeded
 * once with demo-repo.ts. Runs in a process of its own (repo-server-main.ts).
 */
import { commitFiles, runGit, startGitServer, type GitServer } from '@flotilla/local-infra';
import { demoRepoFiles } from './demo-repo.js';

export interface DemoRepo {
  git: GitServer;
  close(): Promise<void>;
}

/** Serves the demo repository, creating it with its first commit when it has none. */
export async function startDemoRepo(opts: { root: string; port: number; helm?: boolean }): Promise<DemoRepo> {
  const git = await startGitServer({ root: opts.root, name: 'fleet.git', port: opts.port });
  const head = await runGit(['rev-parse', '--verify', '--quiet', 'refs/heads/main'], { cwd: git.repoPath }).catch(
    () => '',
  );
  if (!head)
    await commitFiles(git.repoPath, {
      files: demoRepoFiles({ helm: opts.helm ?? false }),
      message: opts.helm
        ? 'Demo fleet: podinfo and a Helm chart on six clusters, rolled out canary → edge → rest'
        : 'Demo fleet: podinfo on six clusters, rolled out canary → edge → rest',
    });
  return { git, close: () => git.close() };
}
