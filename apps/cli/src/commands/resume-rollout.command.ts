/** `flotilla rollout resume ID`: continue a paused rollout. */
import { rolloutAction } from './rollout-action.js';

export const resumeRolloutCommand = rolloutAction({
  verb: 'resume',
  mutation: 'resumeRollout',
  summary: 'Resume a paused rollout',
  done: 'Resumed',
});
