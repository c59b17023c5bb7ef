/** fleet/: pure rollout logic — fleet.yaml policy, wave planning, affected clusters, the rollout state machine. */
export * from './duration.js';
export * from './tag-selector.js';
export * from './fleet-policy.js';
export * from './wave-plan.js';
export * from './affected.js';
export * from './cluster-verdict.js';
export * from './rollout-state.js';
export * from './rollout-machine.js';
export * from './rollout-commands.js';
export * from './ignore-policy.js';
