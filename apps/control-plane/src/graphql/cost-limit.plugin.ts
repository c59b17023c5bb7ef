/**
 * Refuses an operation whose estimated cost (query-cost.ts) is over the limit, after parsing
 * and validation and before execution, as a 400 GRAPHQL_VALIDATION_FAILED naming both numbers.
 * A plugin rather than a validation rule because page sizes may come from variables.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { operationCost } from './query-cost.js';

export interface CostLimit {
  maxCost: number;
  defaultListSize: number;
}

export function costLimitError(cost: number, maxCost: number): GraphQLError {
  return new GraphQLError(
    `query cost ${cost} is over the limit of ${maxCost} (each field costs 1; lists multiply by their page size)`,
    {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maxCost, http: { status: 400 } },
    },
  );
}

/** The same check for transports outside Apollo's pipeline (graphql-ws). */
export function checkCost(
  args: {
    schema: GraphQLSchema;
    document: DocumentNode;
    operation: OperationDefinitionNode;
    variables?: Record<string, unknown> | null;
  },
  limit: CostLimit,
): GraphQLError | undefined {
  const cost = operationCost(args.schema, args.document, args.operation, {
    defaultListSize: limit.defaultListSize,
    variables: args.variables,
  });
  return cost > limit.maxCost ? costLimitError(cost, limit.maxCost) : undefined;
}

export function costLimitPlugin(limit: CostLimit): ApolloServerPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation({ schema, document, operation, request }) {
          const error = operation
            ? checkCost({ schema, document, operation, variables: request.variables }, limit)
            : undefined;
          return error ? Promise.reject(error) : Promise.resolve();
        },
      }),
  };
}
