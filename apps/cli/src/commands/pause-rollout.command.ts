/** `flotilla rollout pause ID`: hold the rollout before its next wave. */
import { rolloutAction } from './rollout-action.js';

export const pauseRolloutCommand = rolloutAction({
  verb: 'pause',
  mutation: 'pauseRollout',
  summary: 'Pause a rollout: no further wave starts until it is resumed',
  done: 'Paused',
});
