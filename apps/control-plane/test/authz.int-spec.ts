import { GraphQLSchemaHost } from '@nestjs/graphql';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrationToken, registration, startHarness, type Harness } from './support/harness.js';

type Caller = 'anonymous' | 'bad-token' | 'viewer' | 'operator' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'bad-token', 'viewer', 'operator', 'admin'];
const RANK = { viewer: 0, operator: 1, admin: 2 } as const;

interface MutationCase {
  name: string;
  needs: keyof typeof RANK;
  query: string;
  /** Creates a fresh target (as the boot admin) and returns the variables. */
  prepare(h: Harness): Promise<Record<string, unknown>>;
}

async function registeredCluster(h: Harness, opts: { requireApproval?: boolean } = {}): Promise<string> {
  const { token } = await createRegistrationToken(h, opts);
  const res = await h.register(registration(token, `c-${Math.random().toString(36).slice(2, 10)}`).body);
  return ((await res.json()) as { clusterId: string }).clusterId;
}

const MUTATIONS: MutationCase[] = [
  {
    name: 'createRegistrationToken',
    needs: 'admin',
    query: 'mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { token } }',
    prepare: async () => ({ input: { name: 'm', tags: ['a'], expiresIn: 600, maxUses: 1 } }),
  },
  {
    name: 'revokeRegistrationToken',
    needs: 'admin',
    query: 'mutation($id: ID!) { revokeRegistrationToken(id: $id) { id } }',
    prepare: async (h) => ({ id: (await createRegistrationToken(h)).registrationToken.id }),
  },
  {
    name: 'updateClusterTags',
    needs: 'operator',
    query: 'mutation($input: UpdateClusterTagsInput!) { updateClusterTags(input: $input) { id tags } }',
    prepare: async (h) => ({ input: { id: await registeredCluster(h), tags: ['changed'] } }),
  },
  {
    name: 'deregisterCluster',
    needs: 'admin',
    query: 'mutation($id: ID!) { deregisterCluster(id: $id) { id } }',
    prepare: async (h) => ({ id: await registeredCluster(h) }),
  },
  {
    name: 'approveCluster',
    needs: 'admin',
    query: 'mutation($id: ID!) { approveCluster(id: $id) { id } }',
    prepare: async (h) => ({ id: await registeredCluster(h, { requireApproval: true }) }),
  },
  {
    name: 'suspendCluster',
    needs: 'admin',
    query: 'mutation($id: ID!) { suspendCluster(id: $id) { id } }',
    prepare: async (h) => ({ id: await registeredCluster(h) }),
  },
  {
    name: 'resumeCluster',
    needs: 'admin',
    query: 'mutation($id: ID!) { resumeCluster(id: $id) { id } }',
    prepare: async (h) => {
      const id = await registeredCluster(h);
      await h.gql('mutation($id: ID!) { suspendCluster(id: $id) { id } }', { id });
      return { id };
    },
  },
  {
    name: 'updateClusterSync',
    needs: 'operator',
    query: 'mutation($input: UpdateClusterSyncInput!) { updateClusterSync(input: $input) { id } }',
    prepare: async (h) => ({ input: { id: await registeredCluster(h), prune: false } }),
  },
  {
    name: 'syncCluster',
    needs: 'operator',
    query: 'mutation($id: ID!) { syncCluster(id: $id) { id } }',
    prepare: async (h) => {
      const id = await registeredCluster(h);
      await h.cp.app
        .get(DataSource)
        .query(`UPDATE clusters SET desired_revision = $2 WHERE id = $1`, [id, 'a'.repeat(40)]);
      return { id };
    },
  },
  {
    name: 'createNotificationTarget',
    needs: 'admin',
    query: 'mutation($input: CreateNotificationTargetInput!) { createNotificationTarget(input: $input) { id } }',
    prepare: async () => ({
      input: {
        name: `t-${Math.random().toString(36).slice(2, 10)}`,
        kind: 'WEBHOOK',
        url: 'https://hooks.example.com/x',
        events: ['DRIFT_DETECTED'],
      },
    }),
  },
  {
    name: 'deleteNotificationTarget',
    needs: 'admin',
    query: 'mutation($id: ID!) { deleteNotificationTarget(id: $id) { id } }',
    prepare: async (h) => {
      const r = await h.gql(
        'mutation($input: CreateNotificationTargetInput!) { createNotificationTarget(input: $input) { id } }',
        {
          input: {
            name: `victim-${Math.random().toString(36).slice(2, 10)}`,
            kind: 'SLACK',
            url: 'https://hooks.example.com/y',
            events: ['SYNC_FAILED'],
          },
        },
      );
      return { id: r.data.createNotificationTarget.id };
    },
  },
  {
    name: 'createApiToken',
    needs: 'admin',
    query: 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }',
    prepare: async () => ({ input: { name: 'x', role: 'ADMIN' } }),
  },
  {
    name: 'revokeApiToken',
    needs: 'admin',
    query: 'mutation($id: ID!) { revokeApiToken(id: $id) { id } }',
    prepare: async (h) => {
      const r = await h.gql('mutation { createApiToken(input: { name: "victim", role: VIEWER }) { apiToken { id } } }');
      return { id: r.data.createApiToken.apiToken.id };
    },
  },
];

/** `reached`: the error an allowed caller gets from the resolver itself (no data set up for it), instead of none. */
const QUERIES: { query: string; needs: keyof typeof RANK; reached?: string }[] = [
  { query: '{ clusters { totalCount } }', needs: 'viewer' },
  { query: '{ fleetSummary { clusters { total } } }', needs: 'viewer' },
  { query: '{ registrationTokens { id } }', needs: 'operator' },
  { query: '{ apiTokens { id } }', needs: 'admin' },
  { query: '{ auditLog { edges { cursor } } }', needs: 'admin' },
  { query: '{ fleetRepo { branch } }', needs: 'viewer' },
  { query: '{ driftEvents { edges { cursor } } }', needs: 'viewer' },
  { query: '{ notificationTargets { id } }', needs: 'admin' },
  { query: '{ notificationDeliveries { edges { cursor } } }', needs: 'operator' },
  {
    query: '{ clusterDiff(cluster: "no-such-cluster", revision: "main") { toRevision } }',
    needs: 'viewer',
    reached: 'NOT_FOUND',
  },
];

describe('authorization matrix', () => {
  let h: Harness;
  const tokens: Partial<Record<Caller, string | null>> = {
    anonymous: null,
    'bad-token': 'flt_api_00000000000040008000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  };
  const ids: Partial<Record<Caller, string>> = {};

  beforeAll(async () => {
    h = await startHarness({ REGISTER_RATE_LIMIT_PER_MINUTE: '1000', AUTH_FAILURE_LIMIT_PER_MINUTE: '1000' });
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const r = await h.gql(
        'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }',
        { input: { name: role, role: role.toUpperCase() } },
      );
      tokens[role] = r.data.createApiToken.token;
      ids[role] = r.data.createApiToken.apiToken.id;
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  const auditCount = async () =>
    Number(
      ((await h.cp.app.get(DataSource).query('SELECT count(*)::int AS n FROM audit_events')) as { n: number }[])[0]!.n,
    );

  const expected = (caller: Caller, needs: keyof typeof RANK) =>
    caller === 'anonymous' || caller === 'bad-token'
      ? 'UNAUTHENTICATED'
      : RANK[caller] >= RANK[needs]
        ? 'allowed'
        : 'FORBIDDEN';

  it('covers every mutation in the schema (rollout mutations need a fleet: rollout-control.int-spec checks their roles)', async () => {
    const inSchema = Object.keys(h.cp.app.get(GraphQLSchemaHost).schema.getMutationType()!.getFields()).filter(
      (n) => !/Rollout$/.test(n),
    );
    expect(MUTATIONS.map((m) => m.name).sort()).toEqual(inSchema.sort());
  });

  for (const m of MUTATIONS) {
    for (const caller of CALLERS) {
      const outcome = expected(caller, m.needs);
      it(`${m.name} by ${caller}: ${outcome}`, async () => {
        const variables = await m.prepare(h);
        const before = await auditCount();
        const r = await h.gql(m.query, variables, tokens[caller]);
        if (outcome === 'allowed') {
          expect(r.errors).toBeUndefined();
          expect(r.data[m.name]).toBeTruthy();
          const [last] = (await h.cp.app
            .get(DataSource)
            .query('SELECT actor_id, action FROM audit_events ORDER BY id DESC LIMIT 1')) as {
            actor_id: string;
            action: string;
          }[];
          expect(last?.actor_id).toBe(ids[caller]);
          expect(await auditCount()).toBe(before + 1);
        } else {
          expect(r.errors?.map((e) => e.extensions?.code)).toEqual([outcome]);
          expect(r.data?.[m.name] ?? null).toBeNull();
          expect(await auditCount()).toBe(before);
        }
      });
    }
  }

  for (const q of QUERIES) {
    it(`${q.query} needs ${q.needs}`, async () => {
      for (const caller of CALLERS) {
        const r = await h.gql(q.query, {}, tokens[caller]);
        const allowed = expected(caller, q.needs);
        const outcome = allowed === 'allowed' && q.reached ? q.reached : allowed;
        expect({ caller, got: r.errors?.[0]?.extensions?.code ?? 'allowed' }).toEqual({ caller, got: outcome });
      }
    });
  }
});
