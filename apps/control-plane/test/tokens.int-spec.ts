import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrationToken, registration, startHarness, type Harness } from './support/harness.js';

const CREATE_API =
  'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id name role revokedAt } } }';

describe('token lifecycle', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const rows = (sql: string, params: unknown[] = []) =>
    h.cp.app.get(DataSource).query(sql, params) as Promise<Record<string, unknown>[]>;

  it('a registration token is shown once, stored only as a hash, counts its uses and stops working when revoked', async () => {
    const created = await createRegistrationToken(h, { name: 'edge sites', tags: ['edge'], maxUses: 3 });
    expect(created.token).toMatch(/^flt_reg_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const stored = await rows('SELECT * FROM registration_tokens');
    expect(JSON.stringify(stored)).not.toContain(created.token.slice(-43));

    const listed = await h.gql('{ registrationTokens { id name tags maxUses usedCount revokedAt } }');
    expect(listed.data.registrationTokens).toEqual([
      {
        id: created.registrationToken.id,
        name: 'edge sites',
        tags: ['edge'],
        maxUses: 3,
        usedCount: 0,
        revokedAt: null,
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.token);

    expect((await h.register(registration(created.token, 'edge-1').body)).status).toBe(201);
    const afterUse = await h.gql('{ registrationTokens { usedCount } }');
    expect(afterUse.data.registrationTokens[0].usedCount).toBe(1);

    const revoked = await h.gql('mutation($id: ID!) { revokeRegistrationToken(id: $id) { id revokedAt } }', {
      id: created.registrationToken.id,
    });
    expect(revoked.data.revokeRegistrationToken.revokedAt).toEqual(expect.any(String));
    expect((await h.register(registration(created.token, 'edge-2').body)).status).toBe(401);

    const again = await h.gql('mutation($id: ID!) { revokeRegistrationToken(id: $id) { id } }', {
      id: created.registrationToken.id,
    });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const unknown = await h.gql('mutation($id: ID!) { revokeRegistrationToken(id: $id) { id } }', {
      id: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('an API token works as a bearer token with its role until revoked, and every step is audited', async () => {
    const created = await h.gql(CREATE_API, { input: { name: 'dashboard', role: 'VIEWER' } });
    const { token, apiToken } = created.data.createApiToken;
    expect(apiToken).toMatchObject({ name: 'dashboard', role: 'VIEWER', revokedAt: null });
    expect(JSON.stringify(await rows('SELECT * FROM api_tokens'))).not.toContain(token.slice(-43));

    expect((await h.gql('{ fleetSummary { clusters { total } } }', {}, token)).data).toBeTruthy();
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect((await h.gql('{ fleetSummary { clusters { total } } }', {}, tampered)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );

    await h.gql('mutation($id: ID!) { revokeApiToken(id: $id) { id } }', { id: apiToken.id });
    expect((await h.gql('{ fleetSummary { clusters { total } } }', {}, token)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );

    const audit = await h.gql(
      '{ auditLog(first: 50) { edges { node { actorId action targetType targetId occurredAt } } } }',
    );
    const actions = audit.data.auditLog.edges.map(
      (e: { node: { action: string; targetId: string; actorId: string } }) => e.node,
    );
    expect(actions.filter((a: { targetId: string }) => a.targetId === apiToken.id)).toEqual([
      expect.objectContaining({ actorId: 'admin-token', action: 'apiToken.revoke', targetType: 'ApiToken' }),
      expect.objectContaining({ actorId: 'admin-token', action: 'apiToken.create', targetType: 'ApiToken' }),
    ]);
  });

  it('pages through the audit log newest first with cursors', async () => {
    const first = await h.gql(
      '{ auditLog(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }',
    );
    const next = await h.gql(
      'query($after: String) { auditLog(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }',
      { after: first.data.auditLog.pageInfo.endCursor },
    );
    const ids = [...first.data.auditLog.edges, ...next.data.auditLog.edges].map((e: { node: { id: string } }) =>
      Number(e.node.id),
    );
    expect(first.data.auditLog.pageInfo.hasNextPage).toBe(true);
    expect(next.data.auditLog.pageInfo.hasNextPage).toBe(false);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(Number((await rows('SELECT count(*)::int AS n FROM audit_events'))[0]!.n));
  });
});
