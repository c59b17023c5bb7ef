import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_REGISTRATION_TOKEN, startHarness, type Harness } from './support/harness.js';

describe('GraphQL input validation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ GRAPHQL_MAX_DEPTH: '4' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const tokenCount = async () =>
    (await h.gql('{ registrationTokens { id } }')).data.registrationTokens.length as number;
  const valid = { name: 'ok', tags: ['prod'], expiresIn: 3600, maxUses: 1 };

  it.each([
    ['a tag with spaces', { tags: ['not ok!'] }, 'input.tags.0'],
    ['a repeated tag', { tags: ['a', 'a'] }, 'input.tags'],
    ['a too-short expiry', { expiresIn: 5 }, 'input.expiresIn'],
    ['zero uses', { maxUses: 0 }, 'input.maxUses'],
    ['an empty name', { name: '  ' }, 'input.name'],
    ['a wrongly typed field', { maxUses: 'three' }, 'maxUses'],
  ])(
    'createRegistrationToken with %s answers BAD_USER_INPUT naming %s and creates nothing',
    async (_what, patch, field) => {
      const before = await tokenCount();
      const r = await h.gql(CREATE_REGISTRATION_TOKEN, { input: { ...valid, ...patch } });
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.message).toContain(field);
      expect(await tokenCount()).toBe(before);
    },
  );

  it.each([
    [
      'an unknown role',
      'mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token } }',
      { i: { name: 'x', role: 'ROOT' } },
      'role',
    ],
    ['a page size of zero', 'query($f: Int!) { clusters(first: $f) { totalCount } }', { f: 0 }, 'first'],
    ['a foreign cursor', 'query($a: String) { clusters(after: $a) { totalCount } }', { a: 'bm9wZQ' }, 'after'],
    [
      'a bad tag filter',
      'query($t: [String!]) { clusters(filter: { tags: $t }) { totalCount } }',
      { t: ['a b'] },
      'filter.tags.0',
    ],
    ['neither id nor name', '{ cluster { id } }', {}, 'give exactly one of id or name'],
    ['a malformed cluster id', 'mutation($id: ID!) { deregisterCluster(id: $id) { id } }', { id: 'nope' }, 'id'],
  ])('%s answers BAD_USER_INPUT naming it', async (_what, query, variables, field) => {
    const r = await h.gql(query, variables);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toContain(field);
  });

  it('refuses queries nested deeper than the limit, through fragments too', async () => {
    expect((await h.gql('{ clusters { edges { node { id } } } }')).errors).toBeUndefined();
    for (const query of [
      '{ clusters { edges { node { facts { region } } } } }',
      'fragment F on Cluster { facts { region } } { clusters { edges { node { ...F } } } }',
    ]) {
      const r = await h.gql(query);
      expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(r.errors?.[0]?.message).toBe('query is nested 5 levels deep; the limit is 4');
    }
  });

  it('refuses too many aliases', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: fleetSummary { clusters { total } }`).join(' ');
    const r = await h.gql(`{ ${aliases} }`);
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.errors?.[0]?.message).toContain('aliases');
  });
});
