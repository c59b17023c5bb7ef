/**
 * Resources and patches of a kustomization are read by kustomize's kyaml (go-yaml v3, YAML 1.2
 * booleans): `yes`, `no`, `on`, `off`, `y`, `n` (and their capitalised forms) are strings there,
 * and kustomize writes them quoted, so the cluster gets strings. Plain manifests are read as
 * YAML 1.1 (what `kubectl apply` decodes), where they are booleans.
 */
import type { Document } from 'yaml';
import { isScalar, Scalar, visit } from 'yaml';

/** Which reading a file gets: Kubernetes' decoder (YAML 1.1) or kustomize's kyaml. */
export type YamlDialect = 'kubernetes' | 'kustomize';

const OLD_BOOL = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
const MAY_HOLD_OLD_BOOL =
  /(?:^|[\s:[{,?-])(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)[ \t]*(?:$|[,\]}#:\r\n])/m;

/** A cheap test: false means no plain scalar of `text` can be a YAML 1.1-only boolean. */
export function mayHoldOldBools(text: string): boolean {
  return MAY_HOLD_OLD_BOOL.test(text);
}

/** Turns untagged plain YAML 1.1-only booleans of a parsed document (keys too) back into their text. */
export function oldBoolsAsStrings(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (!isScalar(node) || node.type !== Scalar.PLAIN || node.tag !== undefined) return;
      if (typeof node.value === 'boolean' && typeof node.source === 'string' && OLD_BOOL.test(node.source))
        node.value = node.source;
    },
  });
}
