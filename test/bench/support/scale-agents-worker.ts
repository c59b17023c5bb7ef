/**
 * bench:scale's agent process: runs a share of the protocol-level agents (test/e2e/support/
 * protocol-agents.ts) and answers the bench over IPC (start, stats, stop).
 */
import {
  ProtocolAgents,
  type ProtocolAgentCredential,
  type ProtocolAgentsOptions,
} from '../../e2e/support/protocol-agents.js';

export type WorkerRequest =
  | { id: number; type: 'start'; creds: ProtocolAgentCredential[]; opts: ProtocolAgentsOptions; perSecond: number }
  | { id: number; type: 'stats'; since?: number }
  | { id: number; type: 'stop' };

let fleet: ProtocolAgents | undefined;

process.on('message', (m: WorkerRequest) => {
  void (async () => {
    try {
      switch (m.type) {
        case 'start':
          fleet = new ProtocolAgents(m.creds, m.opts);
          await fleet.start(m.perSecond);
          process.send!({ id: m.id, ok: true });
          break;
        case 'stats':
          process.send!({ id: m.id, ok: true, stats: fleet?.stats(m.since), rss: process.memoryUsage().rss });
          break;
        case 'stop':
          await fleet?.stop();
          process.send!({ id: m.id, ok: true }, () => process.exit(0));
          break;
      }
    } catch (error) {
      process.send!({ id: m.id, ok: false, error: String((error as Error).stack ?? error) });
    }
  })();
});
process.on('disconnect', () => process.exit(0));
