/**
 * Where the agent's bearer token for the Kubernetes API comes from, as real clients do it:
 * - a token written in the kubeconfig (fixed);
 * - a token file (`tokenFile`; projected service-account tokens rotate): read again at least every
 *   minute and at once after a 401;
 * - an exec credential plugin (`client.authentication.k8s.io/v1` or `v1beta1` ExecCredential, as
 *   EKS, GKE and AKS kubeconfigs use): run when there is no token yet, when its
 *   `expirationTimestamp` is near, and after a 401; bounded in time and output size.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AgentError, ErrorCode } from '../errors.js';

export interface BearerSource {
  /** The token to send now (cached; fetched again when stale). */
  token(): Promise<string | undefined>;
  /** The server answered 401: the next `token()` fetches afresh. Returns whether that can help. */
  invalidate(): boolean;
}

export class FixedToken implements BearerSource {
  constructor(private readonly value: string) {}
  token(): Promise<string> {
    return Promise.resolve(this.value);
  }
  invalidate(): boolean {
    return false;
  }
}

/** Caches a token until `expiresAt` and shares one fetch among concurrent callers. */
abstract class RefreshingToken implements BearerSource {
  private cached: { token: string; expiresAt: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(protected readonly now: () => number = Date.now) {}

  protected abstract fetch(): Promise<{ token: string; expiresAt: number }>;

  token(): Promise<string> {
    if (this.cached && this.now() < this.cached.expiresAt) return Promise.resolve(this.cached.token);
    this.inFlight ??= this.fetch()
      .then((fresh) => {
        this.cached = fresh;
        return fresh.token;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  invalidate(): boolean {
    this.cached = undefined;
    return true;
  }
}

/** How long a token file's content is trusted before it is read again (client-go uses one minute). */
export const TOKEN_FILE_MAX_AGE_MS = 60_000;

export class TokenFile extends RefreshingToken {
  constructor(
    private readonly path: string,
    now?: () => number,
  ) {
    super(now);
  }

  protected async fetch(): Promise<{ token: string; expiresAt: number }> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw new AgentError(
        `cannot read the token file ${this.path}: ${(error as Error).message}`,
        ErrorCode.InvalidConfig,
      );
    }
    const token = text.trim();
    if (!token) throw new AgentError(`the token file ${this.path} is empty`, ErrorCode.InvalidConfig);
    return { token, expiresAt: this.now() + TOKEN_FILE_MAX_AGE_MS };
  }
}

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;

/** The `user.exec` block of a kubeconfig. */
export const execConfigSchema = z.object({
  apiVersion: z.enum(EXEC_API_VERSIONS),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z
    .array(z.object({ name: z.string().min(1), value: z.string() }))
    .nullish()
    .transform((e) => e ?? []),
  interactiveMode: z.enum(['Never', 'IfAvailable', 'Always']).optional(),
  provideClusterInfo: z.boolean().optional(),
  installHint: z.string().optional(),
});
export type ExecConfig = z.infer<typeof execConfigSchema>;

const execCredentialSchema = z.object({
  apiVersion: z.enum(EXEC_API_VERSIONS),
  kind: z.literal('ExecCredential'),
  status: z.object({
    token: z.string().min(1).optional(),
    expirationTimestamp: z.iso.datetime({ offset: true }).optional(),
    clientCertificateData: z.string().optional(),
    clientKeyData: z.string().optional(),
  }),
});

export interface ExecLimits {
  timeoutMs: number;
  maxOutputBytes: number;
  /** A token is fetched again this long before it expires. */
  refreshBeforeMs: number;
}

export const DEFAULT_EXEC_LIMITS: ExecLimits = {
  timeoutMs: 30_000,
  maxOutputBytes: 1024 * 1024,
  refreshBeforeMs: 10_000,
};

export class ExecCredentialPlugin extends RefreshingToken {
  constructor(
    private readonly exec: ExecConfig,
    /** The cluster entry, passed on as `spec.cluster` when `provideClusterInfo` is set. */
    private readonly cluster: {
      server: string;
      'insecure-skip-tls-verify'?: boolean;
      'certificate-authority-data'?: string;
    },
    private readonly limits: ExecLimits = DEFAULT_EXEC_LIMITS,
    now?: () => number,
  ) {
    super(now);
    if (exec.interactiveMode === 'Always')
      throw new AgentError(
        `exec credential plugin ${exec.command} needs interactiveMode Always, and the agent has no terminal`,
        ErrorCode.InvalidConfig,
      );
  }

  protected async fetch(): Promise<{ token: string; expiresAt: number }> {
    const { command, apiVersion } = this.exec;
    const info = {
      apiVersion,
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        ...(this.exec.provideClusterInfo
          ? {
              cluster: {
                server: this.cluster.server,
                'insecure-skip-tls-verify': this.cluster['insecure-skip-tls-verify'] === true,
                'certificate-authority-data': this.cluster['certificate-authority-data'],
              },
            }
          : {}),
      },
    };
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
    for (const e of this.exec.env) env[e.name] = e.value;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        command,
        this.exec.args,
        { env, timeout: this.limits.timeoutMs, maxBuffer: this.limits.maxOutputBytes, encoding: 'utf8' },
        (error, out, err) => {
          if (!error) return resolve(out);
          const hint = this.exec.installHint ? ` (${this.exec.installHint.trim().split('\n')[0]})` : '';
          const why = error.killed ? `did not answer within ${this.limits.timeoutMs} ms` : error.message.split('\n')[0];
          const stderr = String(err).trim().slice(0, 300);
          reject(
            new AgentError(
              `exec credential plugin ${command} failed: ${why}${stderr ? `: ${stderr}` : ''}${hint}`,
              ErrorCode.InvalidConfig,
            ),
          );
        },
      );
    });
    let parsed: z.infer<typeof execCredentialSchema>;
    try {
      parsed = execCredentialSchema.parse(JSON.parse(stdout));
    } catch (error) {
      const detail =
        error instanceof z.ZodError
          ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
          : 'not JSON';
      throw new AgentError(
        `exec credential plugin ${command} printed no valid ExecCredential: ${detail}`,
        ErrorCode.InvalidConfig,
      );
    }
    if (parsed.apiVersion !== apiVersion)
      throw new AgentError(
        `exec credential plugin ${command} answered ${parsed.apiVersion}, the kubeconfig asks for ${apiVersion}`,
        ErrorCode.InvalidConfig,
      );
    const { token, expirationTimestamp, clientCertificateData } = parsed.status;
    if (!token)
      throw new AgentError(
        `exec credential plugin ${command} gave ${clientCertificateData ? 'a client certificate' : 'no token'}; the agent takes a token only`,
        ErrorCode.InvalidConfig,
      );
    const expiresAt = expirationTimestamp
      ? Date.parse(expirationTimestamp) - this.limits.refreshBeforeMs
      : Number.POSITIVE_INFINITY; // no expiry: kept until a 401
    return { token, expiresAt };
  }
}
