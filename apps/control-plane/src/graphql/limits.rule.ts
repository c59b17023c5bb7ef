/**
 * Validation rules graphql-js lacks: a maximum selection depth and a maximum number of
 * aliases per operation. Fragments are followed and measured once each (memoized), so a
 * document that spreads fragments exponentially is still measured in linear time; cycles are
 * already rejected by graphql-js and count as empty here.
 */
import {
  GraphQLError,
  Kind,
  type ASTNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

const limitError = (message: string, node: ASTNode) =>
  new GraphQLError(message, { nodes: [node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });

interface Shape {
  /** Deepest field chain below (and including) this selection set. */
  depth: number;
  /** Aliases in it, counting a fragment once per spread. */
  aliases: number;
}

export function measureSelections(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): Shape {
  const memo = new Map<string, Shape>();
  const measuring = new Set<string>();
  const measure = (s: SelectionSetNode): Shape => {
    const shape = { depth: 0, aliases: 0 };
    for (const sel of s.selections) {
      let inner: Shape;
      if (sel.kind === Kind.FIELD) {
        const below = sel.selectionSet ? measure(sel.selectionSet) : { depth: 0, aliases: 0 };
        inner = { depth: below.depth + 1, aliases: below.aliases + (sel.alias ? 1 : 0) };
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(sel.selectionSet);
      } else {
        inner = fragment(sel.name.value);
      }
      shape.depth = Math.max(shape.depth, inner.depth);
      shape.aliases += inner.aliases;
    }
    return shape;
  };
  const fragment = (name: string): Shape => {
    const known = memo.get(name);
    if (known) return known;
    const f = fragments.get(name);
    if (!f || measuring.has(name)) return { depth: 0, aliases: 0 };
    measuring.add(name);
    const shape = measure(f.selectionSet);
    measuring.delete(name);
    memo.set(name, shape);
    return shape;
  };
  return measure(set);
}

export function operationLimits(opts: { maxDepth: number; maxAliases: number }): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    return {
      OperationDefinition(op) {
        const { depth, aliases } = measureSelections(op.selectionSet, fragments);
        if (depth > opts.maxDepth)
          context.reportError(limitError(`query is nested ${depth} levels deep; the limit is ${opts.maxDepth}`, op));
        else if (aliases > opts.maxAliases)
          context.reportError(limitError(`query uses ${aliases} aliases; the limit is ${opts.maxAliases}`, op));
      },
    };
  };
}
