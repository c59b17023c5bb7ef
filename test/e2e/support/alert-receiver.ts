/** A webhook receiver for alerts: keeps every request and whether its HMAC signature checked out. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedAlert {
  body: any;
  signed: boolean;
}

export async function startAlertReceiver(secret: string) {
  const received: ReceivedAlert[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-flotilla-signature'] ?? ''));
      received.push({
        body: JSON.parse(raw.toString('utf8')),
        signed: given.length === expected.length && timingSafeEqual(given, expected),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
