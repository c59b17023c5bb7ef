/** `flotilla rollout abort ID`: stop where it is; pending clusters never get the revision. */
import { rolloutAction } from './rollout-action.js';

export const abortRolloutCommand = rolloutAction({
  verb: 'abort',
  mutation: 'abortRollout',
  summary: 'Abort a rollout where it is (no revert)',
  done: 'Aborted',
});
