/**
 * A TCP proxy on loopback that a test can cut and restore: a real network partition between two
 * processes (the link goes dead for both sides, nobody is told why), not a setting either side
 * hears about. While cut, open connections are destroyed and new ones are accepted and dropped at once.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  /** `host:port` the proxy listens on. */
  address: string;
  port: number;
  /** Destroys every connection through the proxy and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  /** Connections forwarded since start (both sides open). */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTcpProxy(opts: {
  target: { host: string; port: number };
  port?: number;
}): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let cut = false;
  let connections = 0;
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(opts.target.port, opts.target.host);
    connections++;
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    cut() {
      cut = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      cut = false;
    },
    get isCut() {
      return cut;
    },
    get connections() {
      return connections;
    },
    async close() {
      cut = true;
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
