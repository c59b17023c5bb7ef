/**
 * Runs a nats-server child process from a config file and waits until it serves: /healthz on
 * the monitoring port, then (in operator mode) the account's JetStream answering a user — until
 * then, early JetStream requests are lost.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { credsAuthenticator } from '@flotilla/nats-auth';
import { findNatsServer } from './nats-binary.js';
import { startProcess, type ManagedProcess } from './process.js';

export interface NatsServerProcess {
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface StartNatsServerOptions {
  confPath: string;
  /** Monitoring port set in the config (http_port); used to wait for /healthz. */
  httpPort: number;
  /** When given, also waits until JetStream answers this user. */
  readyCheck?: { url: string; jwt: string; seed: string; inboxPrefix?: string };
  timeoutMs?: number;
  /** The nats-server executable (default: found on PATH and in the usual sbin folders). */
  binary?: string;
  /** Run it in a process group of its own: a terminal's Ctrl-C then reaches only us, and we stop it last. */
  ownProcessGroup?: boolean;
}

async function waitHealthy(httpPort: number, proc: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`nats-server exited during startup:\n${proc.logTail()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server not healthy after ${timeoutMs} ms:\n${proc.logTail()}`);
}

async function waitJetStream(
  check: NonNullable<StartNatsServerOptions['readyCheck']>,
  timeoutMs: number,
): Promise<void> {
  const nc = await natsConnect({
    servers: check.url,
    authenticator: credsAuthenticator(check.jwt, check.seed),
    ...(check.inboxPrefix ? { inboxPrefix: check.inboxPrefix } : {}),
    reconnect: false,
  });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await (await jetstreamManager(nc, { timeout: 250 })).getAccountInfo();
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`JetStream did not come up within ${timeoutMs} ms: ${(error as Error).message}`);
      }
    }
  } finally {
    await nc.close();
  }
}

export async function startNatsServer(opts: StartNatsServerOptions): Promise<NatsServerProcess> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const proc = startProcess(opts.binary ?? findNatsServer(), ['-c', opts.confPath], {
    ownProcessGroup: opts.ownProcessGroup === true,
  });
  try {
    await waitHealthy(opts.httpPort, proc, timeoutMs);
    if (opts.readyCheck) await waitJetStream(opts.readyCheck, timeoutMs);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { process: proc, stop: () => proc.stop() };
}
