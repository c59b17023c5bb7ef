/** In-process rollout events: the engine publishes one per state change; the rolloutProgress subscription listens. */
import { PubSub } from '../../common/pub-sub.js';

export type RolloutEventTopics = { rolloutProgress: { rolloutId: string } };

export class RolloutEvents extends PubSub<RolloutEventTopics> {}

/** Non-person actors that change rollouts, as written to the audit log. */
export const SystemActors = {
  git: { id: 'system:git', name: 'fleet repository push (webhook or poll)' },
  policy: { id: 'system:policy', name: 'rollout policy (fleet.yaml)' },
} as const;
