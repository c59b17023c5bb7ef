/**
 * The demo fleet repository's own process (started by `npm start`, see repo-process.ts): serves
 * the repository with `git http-backend` outside the control plane's event loop, so a clone or
 * fetch waits for git, never for the hub's work. Prints one `ready <json>` line on stdout once it
 * serves, and stops on SIGTERM.
 */
import { startDemoRepo } from './demo-repo-server.js';
import { parseRepoServerArgs } from './repo-server-args.js';

async function main(): Promise<void> {
  const args = parseRepoServerArgs(process.argv.slice(2));
  const repo = await startDemoRepo(args);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void repo.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  // Its own process group: a terminal's Ctrl-C reaches main.ts, which stops this server last but one.
  process.on('SIGINT', () => undefined);
  process.stdout.write(`ready ${JSON.stringify({ url: repo.git.url, repoPath: repo.git.repoPath })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo repository server failed: ${(error as Error).message}\n`);
  process.exit(1);
});
