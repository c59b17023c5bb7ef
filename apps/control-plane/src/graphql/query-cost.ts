/**
 * A static cost estimate of one GraphQL operation, computed before anything executes.
 * Every field costs 1. A field with a `first`/`last` argument is a page: the list fields
 * directly under it (a connection's `edges`) count their selections that many times; a list
 * field outside a page counts them `defaultListSize` times. Page sizes come from the literal,
 * the variable, else the argument's default. Fragments are costed once per page size, so a
 * document that spreads fragments exponentially stays linear to estimate.
 */
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  isListType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export interface CostOptions {
  /** How many items a list field without a page argument is assumed to hold. */
  defaultListSize: number;
  variables?: Record<string, unknown> | null;
}

const PAGE_ARGS = ['first', 'last'];
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  opts: CostOptions,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return 0;
  const memo = new Map<string, number>();
  const inProgress = new Set<string>();

  function fieldDef(parent: GraphQLNamedType, node: FieldNode): GraphQLField<unknown, unknown> | undefined {
    const name = node.name.value;
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (parent === schema.getQueryType() && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (parent === schema.getQueryType() && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  }

  function pageSize(def: GraphQLField<unknown, unknown>, node: FieldNode): number | undefined {
    const arg =
      def.args.find((a) => PAGE_ARGS.includes(a.name) && node.arguments?.some((n) => n.name.value === a.name)) ??
      def.args.find((a) => PAGE_ARGS.includes(a.name));
    if (!arg) return undefined;
    const given = node.arguments?.find((n) => n.name.value === arg.name);
    const value: unknown = given ? valueFromAST(given.value, arg.type, opts.variables ?? undefined) : undefined;
    if (isCount(value)) return value;
    return isCount(arg.defaultValue) ? arg.defaultValue : opts.defaultListSize;
  }

  function setCost(set: SelectionSetNode, parent: GraphQLNamedType, page: number | undefined): number {
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) total += fieldCost(s, parent, page);
      else if (s.kind === Kind.INLINE_FRAGMENT) {
        const on = s.typeCondition ? (schema.getType(s.typeCondition.name.value) ?? parent) : parent;
        total += setCost(s.selectionSet, on, page);
      } else total += fragmentCost(s.name.value, page);
    }
    return total;
  }

  function fragmentCost(name: string, page: number | undefined): number {
    const key = `${name}@${page ?? ''}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const f = fragments.get(name);
    const on = f && schema.getType(f.typeCondition.name.value);
    if (!f || !on || inProgress.has(key)) return 0; // unknown or cyclic: graphql-js validation reports it
    inProgress.add(key);
    const cost = setCost(f.selectionSet, on, page);
    inProgress.delete(key);
    memo.set(key, cost);
    return cost;
  }

  function fieldCost(node: FieldNode, parent: GraphQLNamedType, page: number | undefined): number {
    const def = fieldDef(parent, node);
    if (!def || !node.selectionSet) return 1;
    const type = getNamedType(def.type);
    if (!isCompositeType(type)) return 1;
    const own = pageSize(def, node);
    if (isListType(getNullableType(def.type)))
      return 1 + (own ?? page ?? opts.defaultListSize) * setCost(node.selectionSet, type, undefined);
    return 1 + setCost(node.selectionSet, type, own);
  }

  return setCost(operation.selectionSet, root, undefined);
}
