/** Every command the CLI knows, in the order help lists them. */
import type { Command } from '../command.js';
import { createTokenCommand } from './create-token.command.js';
import { listClustersCommand } from './list-clusters.command.js';
import { listTokensCommand } from './list-tokens.command.js';
import { loginCommand } from './login.command.js';
import { revokeTokenCommand } from './revoke-token.command.js';
import { showClusterCommand } from './show-cluster.command.js';

export const commands: Command[] = [loginCommand, listClustersCommand, showClusterCommand, listTokensCommand, createTokenCommand, revokeTokenCommand];
