/**
 * What a verified webhook request means: which provider sent it (from its event header), and
 * whether it is a ping, a push (ref, new head SHA, repository URLs) or something to ignore.
 * Payload shapes follow each provider's documentation; anything malformed is named.
 */
import { z } from 'zod';
import { GitProvider } from './webhook-signature.js';

export type WebhookEvent =
  | { kind: 'ping' }
  | { kind: 'push'; ref: string; after: string; deleted: boolean; repositoryUrls: string[] }
  | { kind: 'ignored'; event: string };

type Headers = Record<string, string | string[] | undefined>;
const one = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The provider and its event name, from the headers (Gitea also sends GitHub-style headers, so it is checked first). */
export function detectProvider(headers: Headers): { provider: GitProvider; event: string } | undefined {
  const gitea = one(headers, 'x-gitea-event');
  if (gitea) return { provider: GitProvider.Gitea, event: gitea };
  const gitlab = one(headers, 'x-gitlab-event');
  if (gitlab) return { provider: GitProvider.GitLab, event: gitlab };
  const github = one(headers, 'x-github-event');
  if (github) return { provider: GitProvider.GitHub, event: github };
  return undefined;
}

const sha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-character commit SHA');
const url = z.string().max(2048).optional();
const push = z.object({
  ref: z.string().min(1).max(1024),
  after: sha,
  deleted: z.boolean().optional(),
  repository: z.object({ clone_url: url, git_http_url: url, html_url: url, url }).partial().passthrough().optional(),
  project: z.object({ git_http_url: url, web_url: url }).partial().passthrough().optional(),
});

export class WebhookPayloadError extends Error {}

const PUSH_EVENTS: Record<GitProvider, string> = { github: 'push', gitea: 'push', gitlab: 'Push Hook' };

export function parseWebhookEvent(provider: GitProvider, event: string, body: unknown): WebhookEvent {
  if (provider === GitProvider.GitHub && event === 'ping') return { kind: 'ping' };
  if (event !== PUSH_EVENTS[provider]) return { kind: 'ignored', event };
  const parsed = push.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WebhookPayloadError(
      `${event} payload: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const p = parsed.data;
  const urls = [
    p.repository?.clone_url,
    p.repository?.git_http_url,
    p.repository?.html_url,
    p.project?.git_http_url,
    p.project?.web_url,
  ].filter((u): u is string => typeof u === 'string');
  return {
    kind: 'push',
    ref: p.ref,
    after: p.after,
    deleted: p.deleted === true || /^0{40}$/.test(p.after),
    repositoryUrls: [...new Set(urls)],
  };
}
