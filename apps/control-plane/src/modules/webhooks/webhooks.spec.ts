import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectProvider, parseWebhookEvent, WebhookPayloadError } from './webhook-event.js';
import { constantTimeEqual, hmacHex, verifySignature } from './webhook-signature.js';

const fixture = (p: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/webhooks/${p}`, import.meta.url), 'utf8'));
const SECRET = 'webhook-secret-0123456789';
const body = new TextEncoder().encode('{"ref":"refs/heads/main"}');

describe('webhook signatures', () => {
  it('accepts GitHub sha256= HMACs of the exact body and refuses any other body, secret or format', () => {
    const good = `sha256=${hmacHex(SECRET, body)}`;
    expect(
      verifySignature({ provider: 'github', headers: { 'x-hub-signature-256': good }, rawBody: body }, SECRET),
    ).toBe(true);
    expect(
      verifySignature(
        {
          provider: 'github',
          headers: { 'x-hub-signature-256': good.toUpperCase().replace('SHA256', 'sha256') },
          rawBody: body,
        },
        SECRET,
      ),
    ).toBe(true);
    expect(
      verifySignature(
        {
          provider: 'github',
          headers: { 'x-hub-signature-256': good },
          rawBody: new TextEncoder().encode('{"ref":"refs/heads/main" }'),
        },
        SECRET,
      ),
    ).toBe(false);
    expect(
      verifySignature({ provider: 'github', headers: { 'x-hub-signature-256': good }, rawBody: body }, `${SECRET}x`),
    ).toBe(false);
    expect(
      verifySignature(
        { provider: 'github', headers: { 'x-hub-signature-256': hmacHex(SECRET, body) }, rawBody: body },
        SECRET,
      ),
    ).toBe(false);
    expect(verifySignature({ provider: 'github', headers: {}, rawBody: body }, SECRET)).toBe(false);
  });

  it('accepts Gitea bare hex HMACs and GitLab tokens equal to the secret', () => {
    expect(
      verifySignature(
        { provider: 'gitea', headers: { 'x-gitea-signature': hmacHex(SECRET, body) }, rawBody: body },
        SECRET,
      ),
    ).toBe(true);
    expect(
      verifySignature(
        { provider: 'gitea', headers: { 'x-gitea-signature': `sha256=${hmacHex(SECRET, body)}` }, rawBody: body },
        SECRET,
      ),
    ).toBe(false);
    expect(verifySignature({ provider: 'gitlab', headers: { 'x-gitlab-token': SECRET }, rawBody: body }, SECRET)).toBe(
      true,
    );
    expect(
      verifySignature(
        { provider: 'gitlab', headers: { 'x-gitlab-token': SECRET.slice(0, -1) }, rawBody: body },
        SECRET,
      ),
    ).toBe(false);
  });

  it('compares strings of different lengths without throwing', () => {
    expect(constantTimeEqual('a', 'ab')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('webhook events', () => {
  it('tells providers apart by their event header, Gitea first (it also sends X-GitHub-Event)', () => {
    expect(detectProvider({ 'x-github-event': 'push', 'x-gitea-event': 'push' })).toEqual({
      provider: 'gitea',
      event: 'push',
    });
    expect(detectProvider({ 'x-gitlab-event': 'Push Hook' })).toEqual({ provider: 'gitlab', event: 'Push Hook' });
    expect(detectProvider({ 'x-github-event': 'ping' })).toEqual({ provider: 'github', event: 'ping' });
    expect(detectProvider({ 'content-type': 'application/json' })).toBeUndefined();
  });

  it('reads GitHub ping, branch push and tag deletion payloads', () => {
    expect(parseWebhookEvent('github', 'ping', fixture('github/ping-payload.json'))).toEqual({ kind: 'ping' });
    expect(parseWebhookEvent('github', 'push', fixture('github/push-with-new-branch.payload.json'))).toEqual({
      kind: 'push',
      ref: 'refs/heads/master',
      after: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      deleted: false,
      repositoryUrls: ['https://github.com/Codertocat/Hello-World.git', 'https://github.com/Codertocat/Hello-World'],
    });
    expect(parseWebhookEvent('github', 'push', fixture('github/push-payload.json'))).toMatchObject({
      kind: 'push',
      ref: 'refs/tags/simple-tag',
      deleted: true,
    });
  });

  it('reads GitLab and Gitea push payloads in their documented shapes', () => {
    expect(parseWebhookEvent('gitlab', 'Push Hook', fixture('gitlab/push.json'))).toMatchObject({
      kind: 'push',
      ref: 'refs/heads/master',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      repositoryUrls: expect.arrayContaining(['http://example.com/mike/diaspora.git']) as string[],
    });
    expect(parseWebhookEvent('gitea', 'push', fixture('gitea/push.json'))).toMatchObject({
      kind: 'push',
      ref: 'refs/heads/develop',
      after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
      repositoryUrls: expect.arrayContaining(['http://localhost:3000/gitea/webhooks.git']) as string[],
    });
  });

  it('ignores other events and names what is wrong in a malformed push', () => {
    expect(parseWebhookEvent('github', 'issues', {})).toEqual({ kind: 'ignored', event: 'issues' });
    expect(parseWebhookEvent('gitlab', 'Tag Push Hook', {})).toEqual({ kind: 'ignored', event: 'Tag Push Hook' });
    expect(() => parseWebhookEvent('github', 'push', { ref: 'refs/heads/main', after: 'abc' })).toThrow(
      new WebhookPayloadError('push payload: after must be a 40-character commit SHA'),
    );
    expect(() => parseWebhookEvent('gitea', 'push', [])).toThrow(WebhookPayloadError);
  });
});
