import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigShape } from '../config/config.schema.js';
import { checkCost } from './cost-limit.plugin.js';
import { operationCost } from './query-cost.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const schema = buildSchema(readFileSync(join(root, 'apps/control-plane/schema.gql'), 'utf8'));
const DEFAULT_MAX_COST = ConfigShape.GRAPHQL_MAX_COST.parse(undefined);

function cost(query: string, variables: Record<string, unknown> = {}, defaultListSize = 10): number {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return operationCost(schema, document, operation, { defaultListSize, variables });
}

describe('operationCost', () => {
  it('counts every field once', () => {
    expect(cost('{ me { id name role } }')).toBe(4);
    expect(cost('{ fleetSummary { clusters { total online } } }')).toBe(4);
  });

  it('multiplies the items of a page by first, not its totalCount or pageInfo', () => {
    // clusters 1 + totalCount 1 + pageInfo (1 + 1) + edges (1 + 25 × (node 1 + id 1 + name 1))
    expect(cost('{ clusters(first: 25) { totalCount pageInfo { hasNextPage } edges { node { id name } } } }')).toBe(
      1 + 1 + 2 + 1 + 25 * 3,
    );
  });

  it('takes the page size from a variable, else from the argument default', () => {
    const q = 'query($n: Int!) { auditLog(first: $n) { edges { node { id } } } }';
    expect(cost(q, { n: 7 })).toBe(1 + 1 + 7 * 2);
    expect(cost('{ auditLog { edges { node { id } } } }')).toBe(1 + 1 + 50 * 2);
    expect(cost('{ rollouts { edges { node { id } } } }')).toBe(1 + 1 + 20 * 2);
  });

  it('falls back to the argument default when the variable is not a count', () => {
    expect(cost('query($n: Int!) { auditLog(first: $n) { edges { node { id } } } }', { n: 'lots' })).toBe(
      1 + 1 + 50 * 2,
    );
  });

  it('multiplies nested pages and plain lists (the default list size)', () => {
    // rollouts 1 + edges (1 + 2 × (node 1 + waves (1 + 10 × (clusters 1 + 10 × clusterName 1))))
    expect(cost('{ rollouts(first: 2) { edges { node { waves { clusters { clusterName } } } } } }')).toBe(
      1 + 1 + 2 * (1 + 1 + 10 * (1 + 10)),
    );
    expect(cost('{ rollouts(first: 2) { edges { node { waves { clusters { clusterName } } } } } }', {}, 3)).toBe(
      1 + 1 + 2 * (1 + 1 + 3 * (1 + 3)),
    );
    // scalar lists cost 1: their items have no selections to multiply
    expect(cost('{ apiTokens { id } registrationTokens { tags } }')).toBe(1 + 10 + 1 + 10);
  });

  it('costs fragments and inline fragments like the fields they stand for', () => {
    const inline = cost('{ clusters(first: 4) { edges { node { id facts { region } } } } }');
    expect(
      cost('fragment F on Cluster { id facts { region } } { clusters(first: 4) { edges { node { ...F } } } }'),
    ).toBe(inline);
    expect(cost('{ clusters(first: 4) { edges { node { ... on Cluster { id facts { region } } } } } }')).toBe(inline);
  });

  it('estimates a cost bomb of nested pages in a few milliseconds, far over the default limit', () => {
    const bomb =
      '{ clusters(first: 500) { edges { node { objects(first: 500) { edges { node { kind name } } } syncHistory(first: 500) { edges { node { id objects { created } } } } } } } }';
    const started = performance.now();
    const n = cost(bomb);
    expect(performance.now() - started).toBeLessThan(50);
    // clusters, edges; per cluster: node, objects, edges, 500 × (node kind name); syncHistory, edges, 500 × (node id objects created)
    expect(n).toBe(1 + 1 + 500 * (1 + (1 + 1 + 500 * 3) + (1 + 1 + 500 * 4)));
    expect(n).toBeGreaterThan(DEFAULT_MAX_COST * 10);
  });

  it('costs each fragment once, so exponentially spread fragments are estimated in linear time', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, … : 2^40 copies of `me { id }`.
    const levels = 40;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    ).join('\n');
    const document = parse(`{ ...F0 }\n${fragments}\nfragment F${levels} on Query { me { id } }`);
    const operation = document.definitions[0] as OperationDefinitionNode;
    const started = performance.now();
    expect(operationCost(schema, document, operation, { defaultListSize: 10 })).toBe(2 ** levels * 2);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('names the cost and the limit when refusing', () => {
    const document = parse(
      '{ clusters(first: 500) { edges { node { objects(first: 500) { edges { node { kind } } } } } } }',
    );
    const operation = document.definitions[0] as OperationDefinitionNode;
    const error = checkCost({ schema, document, operation }, { maxCost: 1000, defaultListSize: 10 });
    expect(error?.message).toBe(
      `query cost ${1 + 1 + 500 * (1 + 1 + 1 + 500 * 2)} is over the limit of 1000 (each field costs 1; lists multiply by their page size)`,
    );
    expect(error?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', cost: 501_502, maxCost: 1000 });
    expect(
      checkCost(
        {
          schema,
          document: parse('{ me { id } }'),
          operation: parse('{ me { id } }').definitions[0] as OperationDefinitionNode,
        },
        { maxCost: 1000, defaultListSize: 10 },
      ),
    ).toBeUndefined();
  });
});

/** Every operation the dashboard (apps/web) and the CLI (apps/cli) send, read from their sources. */
function clientOperations(): { file: string; query: string }[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(f) && !/\.spec\.|\.test\./.test(f)) files.push(p);
    }
  };
  walk(join(root, 'apps/web/src/js'));
  walk(join(root, 'apps/cli/src'));
  const texts = files.map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  const consts = new Map<string, string>([['PAGE', '200']]); // apps/web fleet.js PAGE
  for (const { text } of texts)
    for (const m of text.matchAll(/const ([A-Z_]+) =\s*(?:`([^`]*)`|'([^']*)')/g)) consts.set(m[1]!, m[2] ?? m[3]!);
  const ops: { file: string; query: string }[] = [];
  for (const { file, text } of texts) {
    for (const m of text.matchAll(/`([^`]*)`/g)) {
      // The rollout actions (`${name}Rollout`, `${opts.mutation}`) are pause, resume, abort or rollback, and the
      // cluster admission actions (they select `admission`) approve, suspend or resume: each family costs the same.
      const action = /\badmission\b/.test(m[1]!) ? 'suspendCluster(' : 'pauseRollout(';
      const query = m[1]!
        .replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => consts.get(name) ?? '')
        .replace(/\$\{[\w.]+\}(?:Rollout)?\(/, action);
      if (/^\s*(query|mutation|subscription)\b|^\s*\{\s*\w+[\s({]/.test(query))
        ops.push({ file: file.slice(root.length), query });
    }
  }
  return ops;
}

describe('the default GRAPHQL_MAX_COST', () => {
  it('leaves every dashboard and CLI operation well under it, at their largest page sizes', () => {
    const ops = clientOperations();
    expect(ops.length).toBeGreaterThan(25);
    for (const { file, query } of ops) {
      const document = parse(query);
      expect(validate(schema, document), `${file}: ${query}`).toEqual([]);
      // The CLI caps --limit at 500 (clusters, drift) and 100 (rollouts); the dashboard uses literals.
      const first = /rollouts\(/.test(query) ? 100 : 500;
      for (const op of document.definitions) {
        if (op.kind !== Kind.OPERATION_DEFINITION) continue;
        const n = operationCost(schema, document, op, { defaultListSize: 10, variables: { first } });
        expect(n, `${file}: ${query}`).toBeLessThan(DEFAULT_MAX_COST / 2);
      }
    }
  });
});
