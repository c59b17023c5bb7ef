import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Clusters, registration tokens, API tokens and the audit log. */
export class InitialSchema1764270000000 implements MigrationInterface {
  name = 'InitialSchema1764270000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registration_tokens (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        secret_hash bytea NOT NULL,
        max_uses integer NOT NULL CHECK (max_uses > 0),
        used_count integer NOT NULL DEFAULT 0 CHECK (used_count >= 0 AND used_count <= max_uses),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        secret_hash bytea NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE clusters (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        nats_public_key text NOT NULL,
        kube_version text NOT NULL,
        agent_version text NOT NULL,
        provider text NOT NULL,
        region text NOT NULL,
        node_count integer NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz,
        deregistered_at timestamptz,
        registration_token_id uuid REFERENCES registration_tokens(id) ON DELETE SET NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX clusters_active_name_key ON clusters (name) WHERE deregistered_at IS NULL`);
    await q.query(`CREATE INDEX clusters_tags_idx ON clusters USING gin (tags)`);
    await q.query(`CREATE INDEX clusters_last_seen_idx ON clusters (last_seen_at)`);
    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_id text NOT NULL,
        actor_name text NOT NULL,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP TABLE clusters`);
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE registration_tokens`);
  }
}
