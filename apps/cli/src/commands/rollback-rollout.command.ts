/** `flotilla rollout rollback ID`: revert the rollout's change in Git and roll the revert out. */
import { rolloutAction } from './rollout-action.js';

export const rollbackRolloutCommand = rolloutAction({
  verb: 'rollback',
  mutation: 'rollbackRollout',
  summary: 'Roll back: a revert commit in Git, rolled out first to the clusters that got the change',
  done: 'Rolling back',
});
