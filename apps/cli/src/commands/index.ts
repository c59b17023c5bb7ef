/** Every command the CLI knows, in the order help lists them. */
import type { Command } from '../command.js';
import { abortRolloutCommand } from './abort-rollout.command.js';
import { approveClusterCommand, resumeClusterCommand, suspendClusterCommand } from './cluster-action.js';
import { createTokenCommand } from './create-token.command.js';
import { diffCommand } from './diff.command.js';
import { listClustersCommand } from './list-clusters.command.js';
import { listDriftCommand } from './list-drift.command.js';
import { listRolloutsCommand } from './list-rollouts.command.js';
import { listTokensCommand } from './list-tokens.command.js';
import { loginCommand } from './login.command.js';
import { pauseRolloutCommand } from './pause-rollout.command.js';
import { resumeRolloutCommand } from './resume-rollout.command.js';
import { revokeTokenCommand } from './revoke-token.command.js';
import { rollbackRolloutCommand } from './rollback-rollout.command.js';
import { showClusterCommand } from './show-cluster.command.js';
import { showRolloutCommand } from './show-rollout.command.js';
import { startRolloutCommand } from './start-rollout.command.js';

export const commands: Command[] = [
  loginCommand,
  listClustersCommand,
  showClusterCommand,
  approveClusterCommand,
  suspendClusterCommand,
  resumeClusterCommand,
  listTokensCommand,
  createTokenCommand,
  revokeTokenCommand,
  listDriftCommand,
  startRolloutCommand,
  listRolloutsCommand,
  showRolloutCommand,
  pauseRolloutCommand,
  resumeRolloutCommand,
  rollbackRolloutCommand,
  abortRolloutCommand,
  diffCommand,
];
