/**
 * Validation rules graphql-js lacks: a maximum selection depth and a maximum number of
 * aliases per operation (fragments are followed, cycles are already rejected by graphql-js).
 */
import { GraphQLError, Kind, type ASTNode, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

const limitError = (message: string, node: ASTNode) => new GraphQLError(message, { nodes: [node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });

function walk(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, depth: number, seen: Set<string>, visit: (depth: number, field: ASTNode & { alias?: unknown }) => void): void {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      visit(depth + 1, s);
      if (s.selectionSet) walk(s.selectionSet, fragments, depth + 1, seen, visit);
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      walk(s.selectionSet, fragments, depth, seen, visit);
    } else {
      const f = fragments[s.name.value];
      if (f && !seen.has(f.name.value)) walk(f.selectionSet, fragments, depth, new Set([...seen, f.name.value]), visit);
    }
  }
}

export function operationLimits(opts: { maxDepth: number; maxAliases: number }): ValidationRule {
  return (context: ValidationContext) => {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    return {
      OperationDefinition(op) {
        let aliases = 0;
        let reported = false;
        walk(op.selectionSet, fragments, 0, new Set(), (depth, field) => {
          if (reported) return;
          if (field.alias) aliases++;
          if (depth > opts.maxDepth) {
            reported = true;
            context.reportError(limitError(`query is nested ${depth} levels deep; the limit is ${opts.maxDepth}`, field));
          } else if (aliases > opts.maxAliases) {
            reported = true;
            context.reportError(limitError(`query uses more than ${opts.maxAliases} aliases`, field));
          }
        });
      },
    };
  };
}
