/** libs/gitops: pure manifest logic shared by agent and control plane — render, identity, ordering, inventory, diff, health. No I/O. */
export * from './errors/render-error.js';
export * from './tree/repo-tree.js';
export * from './tree/repo-path.js';
export * from './yaml/parse-manifests.js';
export * from './objects/kube-object.js';
export * from './objects/scope.js';
export * from './objects/apply-order.js';
export * from './objects/namespace-check.js';
export * from './render/render.js';
export * from './render/render-options.js';
export * from './inventory/inventory.js';
export * from './drift/field-path.js';
export * from './drift/diff-object.js';
export * from './drift/managed-fields.js';
export * from './drift/redact.js';
export * from './drift/quantity.js';
