/**
 * registration/: turns a one-time registration token into a lasting per-cluster credential
 * (cluster id + NATS user JWT and seed), and keeps that credential in the state directory.
 */
import { z } from 'zod';

export const CREDENTIAL_FILE = 'credential.json';

/** What `<state-dir>/credential.json` holds. The seed is the agent's NATS secret. */
export const StoredCredential = z.object({
  version: z.literal(1),
  clusterId: z.string().uuid(),
  name: z.string().min(1),
  nats: z.object({
    url: z.string().min(1),
    jwt: z.string().min(1),
    seed: z.string().regex(/^SU[A-Z2-7]+$/, 'must be a NATS user seed'),
    inboxPrefix: z.string().min(1),
  }),
  heartbeatIntervalSeconds: z.number().int().positive(),
  /** The control plane the agent registered with; it renews the NATS JWT there. */
  server: z.string().url().optional(),
  registeredAt: z.string().datetime(),
});
export type StoredCredential = z.infer<typeof StoredCredential>;
