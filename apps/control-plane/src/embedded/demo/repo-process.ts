/**
 * Starts the demo fleet repository in a process of its own (repo-server-main.ts) and waits until it
 * serves. Measured on the loaded demo, `git ls-remote` took 87 ms with the server inside the control
 * plane's process against 54 ms for `git http-backend` alone: the hub's event loop delayed each request.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess } from '@flotilla/local-infra';
import { repoServerArgv, type RepoServerArgs } from './repo-server-args.js';

/** Seeding the first commit and binding the port take well under a second; past this something is wrong. */
const READY_TIMEOUT_MS = 60_000;
/** Time to finish the requests in flight on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;

// Next to this file, with its extension: .ts under `npm start`, .js when compiled.
const OWN_EXT = extname(fileURLToPath(import.meta.url));
const ENTRY = fileURLToPath(new URL(`./repo-server-main${OWN_EXT}`, import.meta.url));
/** The TypeScript loader `npm start` runs under (scripts/start.mjs), needed only for the .ts entry. */
const LOADER = OWN_EXT === '.ts' ? ['--import', '@swc-node/register/esm-register'] : [];

export interface DemoRepoProcess {
  url: string;
  repoPath: string;
  pid: number;
  close(): Promise<void>;
}

export async function startDemoRepoProcess(args: RepoServerArgs): Promise<DemoRepoProcess> {
  const proc = startProcess(process.execPath, [...LOADER, ENTRY, ...repoServerArgv(args)], {
    ownProcessGroup: true,
  });
  const stop = () => proc.stop(STOP_GRACE_MS);
  try {
    const ready = await new Promise<{ url: string; repoPath: string }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`did not serve within ${READY_TIMEOUT_MS / 1000} s`)),
        READY_TIMEOUT_MS,
      );
      proc.child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const line = /^ready (.*)$/m.exec(out);
        if (!line) return;
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line[1]!) as { url: string; repoPath: string });
        } catch {
          reject(new Error(`unreadable ready line: ${line[0]}`));
        }
      });
      void proc.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited with code ${code}`));
      });
    });
    return { ...ready, pid: proc.child.pid!, close: stop };
  } catch (error) {
    await stop();
    const tail = proc.logTail().trim();
    throw new Error(`the demo repository server ${(error as Error).message}${tail ? `: ${tail}` : ''}`);
  }
}
