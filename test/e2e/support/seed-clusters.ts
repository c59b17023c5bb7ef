/**
 * Clusters written straight into the hub's database, each with its own nkey and a user JWT minted
 * exactly as registration mints it (agentPermissions, the account key): for scale tests where
 * registering thousands of agents one by one over HTTP is not what is measured.
 */
import pg from 'pg';
import { createUser, mintUserJwt, type NatsTrust } from '@flotilla/nats-auth';
import { agentPermissions, subjects } from '@flotilla/protocol';
import type { ProtocolAgentCredential } from './protocol-agents.js';

export async function seedClusters(
  databaseUrl: string,
  trust: Pick<NatsTrust, 'accountSeed'>,
  clusters: { name: string; tags: string[] }[],
): Promise<ProtocolAgentCredential[]> {
  const keys = clusters.map(() => createUser());
  const ids = clusters.map(() => crypto.randomUUID());
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO clusters (id, name, tags, nats_public_key, kube_version, agent_version, provider, region, node_count, credential_expires_at)
       SELECT id, name, ARRAY(SELECT jsonb_array_elements_text(tags)), key, 'v1.31.2', '0.1.0', 'sim', 'local', 3, now() + interval '1 day'
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[]) AS v(id, name, tags, key)`,
      [ids, clusters.map((c) => c.name), clusters.map((c) => JSON.stringify(c.tags)), keys.map((k) => k.publicKey)],
    );
  } finally {
    await db.end();
  }
  return Promise.all(
    clusters.map(async (c, i) => ({
      clusterId: ids[i]!,
      jwt: await mintUserJwt(trust, {
        publicKey: keys[i]!.publicKey,
        name: `cluster:${c.name}`,
        permissions: agentPermissions(ids[i]!),
        expiresInSeconds: 86_400,
      }),
      seed: keys[i]!.seed,
      inboxPrefix: subjects.agentInboxPrefix(ids[i]!),
    })),
  );
}
