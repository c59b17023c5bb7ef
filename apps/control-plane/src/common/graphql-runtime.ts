/**
 * graphql-js loaded through `require`, the same instance @nestjs/graphql and Apollo use.
 * graphql 16 ships both index.js and index.mjs without an `exports` map, and bundler-style
 * resolvers (vitest) pick the .mjs copy for `import 'graphql'`: two copies of GraphQLError /
 * GraphQLScalarType whose `instanceof` checks fail across each other. Runtime values come from
 * here; types may still be imported from 'graphql'.
 */
import { createRequire } from 'node:module';

const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export const { GraphQLError, GraphQLScalarType, Kind, printSchema, lexicographicSortSchema } = graphql;
