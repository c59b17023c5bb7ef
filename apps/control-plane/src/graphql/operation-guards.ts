/**
 * Every limit an operation must pass before it executes, built once from the config and
 * applied to both transports: Apollo over HTTP (parse options, validation rules, the cost
 * plugin; Apollo itself adds its introspection rule) and graphql-ws (which has its own
 * parse/validate/execute path, so the same checks are plugged into its hooks).
 */
import {
  execute,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  subscribe,
  validate,
  getOperationAST,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { ControlPlaneConfig } from '../config/config.schema.js';
import { checkCost, costLimitPlugin, type CostLimit } from './cost-limit.plugin.js';
import { operationLimits } from './limits.rule.js';

type LimitsConfig = Pick<
  ControlPlaneConfig,
  | 'GRAPHQL_MAX_DEPTH'
  | 'GRAPHQL_MAX_ALIASES'
  | 'GRAPHQL_MAX_COST'
  | 'GRAPHQL_DEFAULT_LIST_SIZE'
  | 'GRAPHQL_MAX_TOKENS'
  | 'GRAPHQL_INTROSPECTION'
>;

export function operationGuards(config: LimitsConfig) {
  const rules: ValidationRule[] = [
    operationLimits({ maxDepth: config.GRAPHQL_MAX_DEPTH, maxAliases: config.GRAPHQL_MAX_ALIASES }),
  ];
  const cost: CostLimit = { maxCost: config.GRAPHQL_MAX_COST, defaultListSize: config.GRAPHQL_DEFAULT_LIST_SIZE };
  const parseOptions = { maxTokens: config.GRAPHQL_MAX_TOKENS };
  const wsRules = [
    ...specifiedRules,
    ...(config.GRAPHQL_INTROSPECTION ? [] : [NoSchemaIntrospectionCustomRule]),
    ...rules,
  ];

  /** Cost needs the variables, which graphql-ws only hands to execute/subscribe. */
  const costChecked =
    <R>(run: (args: ExecutionArgs) => R) =>
    (args: ExecutionArgs): R | { errors: GraphQLError[] } => {
      const operation = getOperationAST(args.document, args.operationName);
      const error = operation
        ? checkCost({ schema: args.schema, document: args.document, operation, variables: args.variableValues }, cost)
        : undefined;
      return error ? { errors: [error] } : run(args);
    };

  return {
    apollo: {
      introspection: config.GRAPHQL_INTROSPECTION,
      allowBatchedHttpRequests: false,
      csrfPrevention: true,
      parseOptions,
      validationRules: rules,
      plugins: [costLimitPlugin(cost)],
    },
    graphqlWs: {
      /** Refuses an over-long document before graphql-ws parses it without a token limit. */
      onSubscribe: (_ctx: unknown, _id: string, payload: { query: string }) => {
        try {
          parse(payload.query, parseOptions);
          return undefined;
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError((error as Error).message)];
        }
      },
      validate: (schema: GraphQLSchema, document: DocumentNode) => validate(schema, document, wsRules),
      execute: costChecked(execute),
      subscribe: costChecked(subscribe),
    },
  };
}
