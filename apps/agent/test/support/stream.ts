/** Reads what agents sent into the JetStream agent stream, as the hub would. */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AGENT_STREAM, Heartbeat, subjects } from '@flotilla/protocol';
import { scaled } from '@flotilla/testing';
import { AgentRelay } from '@flotilla/relay';

/**
 * Makes the agent stream as the hub does and runs the hub's relay on the hub connection (agents
 * reach the stream only through it); the relay ends when that connection closes.
 */
export async function createAgentStream(hub: NatsConnection): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(hub, { timeout: scaled(2000) });
  await jsm.streams.add({ name: AGENT_STREAM, subjects: [subjects.agentAll] });
  const noisy = process.env['AGENT_TEST_LOG'] !== undefined;
  new AgentRelay({
    nc: hub,
    logger: { warn: (m) => noisy && console.warn(m), error: (m) => console.error(m) },
  }).start();
  return jsm;
}

/**
 * Heartbeats stored for one cluster. Retries a timed-out read: a request sent while the reader's
 * own connection is still reconnecting (after a nats-server restart) loses its reply.
 */
export async function heartbeatCount(jsm: JetStreamManager, clusterId: string): Promise<number> {
  const subject = subjects.agent(clusterId, 'heartbeat');
  for (let attempt = 1; ; attempt++) {
    try {
      const info = await jsm.streams.info(AGENT_STREAM, { subjects_filter: subject });
      return info.state.subjects?.[subject] ?? 0;
    } catch (error) {
      if (attempt >= 3 || (error as Error).name !== 'TimeoutError') throw error;
    }
  }
}

export async function lastHeartbeat(jsm: JetStreamManager, clusterId: string): Promise<Heartbeat> {
  const m = await jsm.streams.getMessage(AGENT_STREAM, { last_by_subj: subjects.agent(clusterId, 'heartbeat') });
  if (!m) throw new Error(`no heartbeat from ${clusterId} in ${AGENT_STREAM}`);
  return Heartbeat.parse(m.json());
}
