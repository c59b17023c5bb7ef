/**
 * Follows a rollout live until it reaches a final phase: subscribes to rolloutProgress, re-reads
 * the rollout once the subscription is up (so no change between the two is missed), and redraws
 * the per-wave progress bars in place on a terminal (one new frame per change elsewhere).
 */
import type { CommandContext } from '../command.js';
import { resolveLogin } from '../config.js';
import { stringFlag } from '../args.js';
import { CliError } from '../errors.js';
import { subscribe } from '../watch-client.js';
import { FINAL_PHASES, renderRollout, ROLLOUT_FIELDS, type RolloutView } from './rollout-view.js';

const QUERY = `query($id: ID!) { rollout(id: $id) { ${ROLLOUT_FIELDS} } }`;
const SUBSCRIPTION = `subscription($id: ID) { rolloutProgress(id: $id) { ${ROLLOUT_FIELDS} } }`;

export async function fetchRollout(ctx: CommandContext, id: string): Promise<RolloutView> {
  return (await ctx.client().request<{ rollout: RolloutView }>(QUERY, { id })).rollout;
}

/** Watches until a final phase; a rollout that ends other than SUCCEEDED is an error (exit 1). */
export async function watchRollout(ctx: CommandContext, id: string): Promise<void> {
  const { io, signal } = ctx;
  const login = resolveLogin({ server: stringFlag(ctx.args, 'server'), token: stringFlag(ctx.args, 'token') }, ctx.env);
  let shown = '';
  let lines = 0;
  let latest: RolloutView | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const draw = (r: RolloutView) => {
    if (latest && Date.parse(r.updatedAt) < Date.parse(latest.updatedAt)) return; // an older state arriving late
    latest = r;
    const frame = renderRollout(r);
    if (frame !== shown) {
      if (io.isTty && lines > 0) io.out(`\x1b[${lines}A\x1b[J${frame}`);
      else io.out(io.isTty ? frame : `${frame}\n`);
      shown = frame;
      lines = frame.split('\n').length;
    }
    if (FINAL_PHASES.has(r.phase)) finish();
  };
  const sub = subscribe<{ rolloutProgress: RolloutView }>(login.server, login.token, SUBSCRIPTION, { id }, (d) =>
    draw(d.rolloutProgress),
  );
  const stop = () => finish();
  signal.addEventListener('abort', stop, { once: true });
  try {
    await Promise.race([sub.ready, sub.done]);
    draw(await fetchRollout(ctx, id));
    await Promise.race([finished, sub.done.then(() => finish())]);
  } finally {
    signal.removeEventListener('abort', stop);
    await sub.close();
  }
  if (signal.aborted) return;
  if (latest && latest.phase !== 'SUCCEEDED')
    throw new CliError(`rollout ${id} ended ${latest.phase}${latest.reason ? `: ${latest.reason}` : ''}`);
}
