import { readFileSync } from 'node:fs';
import { buildSchema, Kind, parse, validate, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { measureSelections, operationLimits } from './limits.rule.js';

const schema = buildSchema(readFileSync(new URL('../../schema.gql', import.meta.url), 'utf8'));
const rule = operationLimits({ maxDepth: 10, maxAliases: 30 });

function shape(query: string) {
  const doc = parse(query);
  const fragments = new Map(
    doc.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  return measureSelections(
    (doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode).selectionSet,
    fragments,
  );
}

describe('operationLimits', () => {
  it('refuses a query 50 levels deep, naming its depth and the limit', () => {
    let q = 'name';
    for (let i = 0; i < 49; i++) q = `${i % 2 ? 'ofType' : 'fields'} { ${q} }`;
    const errors = validate(schema, parse(`{ __type(name: "Query") { ${q} } }`), [rule]);
    expect(errors.map((e) => e.message)).toEqual(['query is nested 51 levels deep; the limit is 10']);
  });

  it('refuses 2,000 aliases, naming the count and the limit', () => {
    const aliases = Array.from({ length: 2000 }, (_, i) => `a${i}: me { id }`).join(' ');
    const errors = validate(schema, parse(`{ ${aliases} }`), [rule]);
    expect(errors.map((e) => e.message)).toEqual(['query uses 2000 aliases; the limit is 30']);
    expect(validate(schema, parse(`{ ${aliases.split(' a30:')[0]} }`), [rule])).toEqual([]);
  });

  it('measures fragments once each: 2^40 spreads are counted in linear time', () => {
    const levels = 40;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    ).join('\n');
    const started = performance.now();
    expect(shape(`{ ...F0 }\n${fragments}\nfragment F${levels} on Query { x: me { id } }`)).toEqual({
      depth: 2,
      aliases: 2 ** levels,
    });
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('follows fragments and inline fragments for depth', () => {
    expect(shape('fragment F on Cluster { facts { region } } { clusters { edges { node { ...F } } } }').depth).toBe(5);
    expect(shape('{ clusters { edges { node { ... on Cluster { facts { region } } } } } }').depth).toBe(5);
  });
});
