/** bench:scale: protocol-level agents spread over a few child processes, driven over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  ProtocolAgentCredential,
  ProtocolAgentsOptions,
  ProtocolAgentsStats,
} from '../../e2e/support/protocol-agents.js';
import type { WorkerRequest } from './scale-agents-worker.js';

type Reply = { id: number; ok: boolean; error?: string; stats?: ProtocolAgentsStats; rss?: number };
type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

class Worker {
  private next = 0;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  constructor(readonly child: ChildProcess) {
    child.on('message', (r: Reply) => {
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
    child.once('exit', (code) => {
      for (const w of this.waiting.values()) w({ id: -1, ok: false, error: `agent process exited with ${code}` });
      this.waiting.clear();
    });
  }
  ask(req: Request): Promise<Reply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (r) => (r.ok ? resolve(r) : reject(new Error(r.error))));
      this.child.send({ ...req, id });
    });
  }
}

export interface FleetStats extends ProtocolAgentsStats {
  /** RSS of the agent processes together (not the hub's budget). */
  rss: number;
}

export class ScaleAgents {
  private constructor(private readonly workers: Worker[]) {}

  static start(processes: number): ScaleAgents {
    const script = fileURLToPath(new URL('./scale-agents-worker.ts', import.meta.url));
    return new ScaleAgents(
      Array.from(
        { length: processes },
        () =>
          new Worker(
            fork(script, [], {
              execArgv: ['--import', '@swc-node/register/esm-register'],
              stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            }),
          ),
      ),
    );
  }

  /** Hands each process its share of the agents; resolves once all are started (connecting in the background). */
  async run(creds: ProtocolAgentCredential[], opts: ProtocolAgentsOptions, perSecond: number): Promise<void> {
    const n = this.workers.length;
    await Promise.all(
      this.workers.map((w, i) =>
        w.ask({ type: 'start', creds: creds.filter((_, j) => j % n === i), opts, perSecond: Math.ceil(perSecond / n) }),
      ),
    );
  }

  async stats(since?: number): Promise<FleetStats> {
    const replies = await Promise.all(this.workers.map((w) => w.ask({ type: 'stats', ...(since ? { since } : {}) })));
    const out: FleetStats = {
      agents: 0,
      connected: 0,
      heartbeatsAccepted: 0,
      heartbeatsFailed: 0,
      reportsAccepted: 0,
      reportsFailed: 0,
      desired: {},
      desiredSince: 0,
      rss: 0,
    };
    for (const r of replies) {
      const s = r.stats!;
      out.rss += r.rss ?? 0;
      for (const k of [
        'agents',
        'connected',
        'heartbeatsAccepted',
        'heartbeatsFailed',
        'reportsAccepted',
        'reportsFailed',
        'desiredSince',
      ] as const)
        out[k] += s[k];
      for (const [rev, d] of Object.entries(s.desired)) {
        const o = out.desired[rev];
        out.desired[rev] = o
          ? { agents: o.agents + d.agents, first: Math.min(o.first, d.first), last: Math.max(o.last, d.last) }
          : { ...d };
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.child.exitCode !== null) return;
        const exited = new Promise((r) => w.child.once('exit', r));
        await w.ask({ type: 'stop' }).catch(() => w.child.kill('SIGKILL'));
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (w.child.exitCode === null) w.child.kill('SIGKILL');
      }),
    );
  }
}
