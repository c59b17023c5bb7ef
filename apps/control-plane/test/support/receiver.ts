/** A local HTTP receiver for alert deliveries: records every request, answers with a programmable status. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status for the nth request (0-based); 200 when unset. */
  statusFor: (n: number) => number;
  close(): Promise<void>;
}

export async function startReceiver(statusFor: (n: number) => number = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const r: Receiver = { url: '', received, statusFor, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({ at: Date.now(), headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(r.statusFor(n)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-path`;
  r.close = () => new Promise((resolve) => server.close(() => resolve()));
  return r;
}
