/** signature/: the signed-commit policy's pure parts — trust set, commit signature verdict, ancestry. */
export * from './signed-commit.js';
export * from './trust-set.js';
export * from './verify-commit.js';
export * from './ancestry.js';
export * from './commit-policy.js';
export * from './commit-signer.js';
