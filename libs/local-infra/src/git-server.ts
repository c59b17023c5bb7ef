/**
 * A bare Git repository served over smart HTTP by the real `git http-backend` (spawned per
 * request as a CGI), on loopback and a free port: clone, fetch and push work with any client.
 */
import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitFiles, runGit, type CommitFilesOptions } from './git.js';

export interface GitServer {
  /** Clone URL of the repository, e.g. http://127.0.0.1:PORT/fleet.git */
  url: string;
  /** Path of the bare repository on disk. */
  repoPath: string;
  /** HTTP requests served so far. */
  requests(): number;
  /** Commits files on top of a branch (default main) and returns the commit SHA. */
  commit(opts: CommitFilesOptions): Promise<string>;
  /**
   * Simulates a Git host outage for the requests that arrive from now on: `silent` accepts each
   * request and never answers (a black hole: the client's own timeout must notice), `unavailable`
   * answers 503, `none` serves again. Requests held by `silent` are dropped when it ends.
   */
  setOutage(mode: GitOutage): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export type GitOutage = 'none' | 'silent' | 'unavailable';

export interface GitServerOptions {
  /** Folder that holds the repository; a temp folder (removed on close) when omitted. */
  root?: string;
  /** Repository folder name. */
  name?: string;
  /** Default branch. */
  branch?: string;
  /** TCP port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Require HTTP basic auth with exactly these credentials (401 otherwise). */
  basicAuth?: { username: string; password: string };
}

/** Splits CGI output into status, headers and the rest of the body. */
function parseCgiHead(head: string): { status: number; headers: [string, string][] } {
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([key, value]);
  }
  return { status, headers };
}

function serveCgi(projectRoot: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    REMOTE_USER: 'test',
    GIT_HTTP_MAX_REQUEST_BUFFER: String(100 * 1024 * 1024),
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);

  // Its own process group: a terminal's Ctrl-C, meant for whoever runs this server, must not fail a
  // request in flight (`npm start` stops its agents first and this server after them).
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  cgi.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4096)));
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => undefined);

  let head = Buffer.alloc(0);
  let headDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headDone) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    headDone = true;
    const { status, headers } = parseCgiHead(head.subarray(0, end).toString('latin1'));
    res.writeHead(status, headers);
    res.write(head.subarray(end));
  });
  cgi.on('close', (code) => {
    if (!headDone) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`git http-backend failed (exit ${code}): ${stderr}`);
      return;
    }
    res.end();
  });
  res.on('close', () => {
    if (cgi.exitCode === null) cgi.kill();
  });
}

export async function startGitServer(opts: GitServerOptions = {}): Promise<GitServer> {
  const ownRoot = opts.root === undefined;
  const root = opts.root ?? (await mkdtemp(join(tmpdir(), 'flotilla-git-')));
  const name = opts.name ?? 'fleet.git';
  const branch = opts.branch ?? 'main';
  const repoPath = join(root, name);
  await mkdir(repoPath, { recursive: true });
  await runGit(['init', '--quiet', '--bare', `--initial-branch=${branch}`], { cwd: repoPath });
  await runGit(['config', 'http.receivepack', 'true'], { cwd: repoPath });

  let requests = 0;
  let outage: GitOutage = 'none';
  const held = new Set<ServerResponse>();
  const expected = opts.basicAuth
    ? Buffer.from(`Basic ${Buffer.from(`${opts.basicAuth.username}:${opts.basicAuth.password}`).toString('base64')}`)
    : undefined;
  const server = createServer((req, res) => {
    requests++;
    if (outage === 'silent') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return void req.resume();
    }
    if (outage === 'unavailable') {
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
      return void res.end('the Git host is down for maintenance\n');
    }
    if (expected) {
      const got = Buffer.from(req.headers.authorization ?? '');
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        req.resume();
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fleet"', 'content-type': 'text/plain' });
        return void res.end('authentication required\n');
      }
    }
    serveCgi(root, req, res);
  });
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen(opts.port ?? 0, '127.0.0.1', resolve),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${name}`;

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (ownRoot) await rm(root, { recursive: true, force: true });
  };
  return {
    url,
    repoPath,
    requests: () => requests,
    commit: (o) => commitFiles(repoPath, { branch, ...o }),
    setOutage: (mode) => {
      outage = mode;
      if (mode === 'silent') return;
      for (const res of held) res.destroy();
      held.clear();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
