import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './load-config.js';

const valid = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/flotilla',
  NATS_URL: 'nats://127.0.0.1:4222',
  NATS_HUB_JWT: 'eyJ0eXAiOiJKV1QifQ.e30.sig',
  NATS_HUB_SEED: 'SUAAVWRZG6M5FA5VRRGWSCIHKTOJC7EWNIT4JV3FTOIPO4OBFR5WA7X5TE',
  NATS_ACCOUNT_SEED: 'SAAMGIRP5RPQFLO6RAXRQ4HKLZFWQJZJ2IX6VJBL5ELBDBCL6YGQ3JR7UU',
  ADMIN_TOKEN: 'x'.repeat(40),
  FLOTILLA_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe('loadConfig', () => {
  it('applies defaults and hands agents the hub NATS URL unless told otherwise', () => {
    const c = loadConfig(valid);
    expect(c).toMatchObject({
      PORT: 3000,
      HEARTBEAT_INTERVAL_SECONDS: 10,
      AGENT_NATS_URL: valid.NATS_URL,
      LOG_LEVEL: 'info',
    });
    expect(loadConfig({ ...valid, AGENT_NATS_URL: 'nats://hub.example:4222' }).AGENT_NATS_URL).toBe(
      'nats://hub.example:4222',
    );
  });

  it('fails listing every bad key at once, without echoing secret values', () => {
    const env = {
      ...valid,
      DATABASE_URL: undefined,
      ADMIN_TOKEN: 'short-secret',
      PORT: 'eighty',
      NATS_ACCOUNT_SEED: 'SUNOTANACCOUNT',
    };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(problems.sort()).toEqual(['ADMIN_TOKEN', 'DATABASE_URL', 'NATS_ACCOUNT_SEED', 'PORT']);
    expect((error as Error).message).not.toContain('short-secret');
    expect((error as Error).message).not.toContain('SUNOTANACCOUNT');
  });

  it('refuses to boot without a 32-byte FLOTILLA_SECRET_KEY', () => {
    expect(() => loadConfig({ ...valid, FLOTILLA_SECRET_KEY: undefined })).toThrow(/FLOTILLA_SECRET_KEY/);
    expect(() => loadConfig({ ...valid, FLOTILLA_SECRET_KEY: Buffer.alloc(16).toString('base64') })).toThrow(
      /FLOTILLA_SECRET_KEY: must be 32 random bytes/,
    );
  });

  it('defaults the fleet branch, poll interval and cluster path template', () => {
    expect(loadConfig(valid)).toMatchObject({
      FLEET_BRANCH: 'main',
      FLEET_POLL_INTERVAL_SECONDS: 30,
      FLEET_CLUSTER_PATH_TEMPLATE: 'clusters/{name}',
    });
    expect(() => loadConfig({ ...valid, FLEET_CLUSTER_PATH_TEMPLATE: 'clusters/x' })).toThrow(
      /FLEET_CLUSTER_PATH_TEMPLATE: must contain \{name\}/,
    );
  });

  it('wants the revocation keys all together or not at all', () => {
    expect(() =>
      loadConfig({ ...valid, NATS_OPERATOR_SEED: 'SOALU7LPGJK2BDF7IHD7UZT6ZM23UMKYLGJLNN2R3ZN2OYVDCMLZ5BZHHU' }),
    ).toThrow(
      /NATS_SYSTEM_USER_JWT: must be set together with NATS_OPERATOR_SEED[\s\S]*NATS_SYSTEM_USER_SEED: must be set together/,
    );
  });

  it('defaults the API limits: introspection off, no cross-origin callers, 1 MiB bodies', () => {
    expect(loadConfig(valid)).toMatchObject({
      GRAPHQL_MAX_DEPTH: 10,
      GRAPHQL_MAX_COST: 100_000,
      GRAPHQL_MAX_TOKENS: 2_000,
      GRAPHQL_INTROSPECTION: false,
      CORS_ORIGINS: [],
      AUTH_FAILURE_LIMIT_PER_MINUTE: 20,
      HTTP_MAX_BODY_BYTES: 1_048_576,
    });
    expect(loadConfig({ ...valid, GRAPHQL_INTROSPECTION: 'true' }).GRAPHQL_INTROSPECTION).toBe(true);
    expect(() => loadConfig({ ...valid, GRAPHQL_INTROSPECTION: 'yes' })).toThrow(
      /GRAPHQL_INTROSPECTION: must be true or false/,
    );
  });

  it('takes CORS_ORIGINS as exact origins and names any that is not one', () => {
    expect(
      loadConfig({ ...valid, CORS_ORIGINS: 'https://ops.example.com, http://localhost:5173' }).CORS_ORIGINS,
    ).toEqual(['https://ops.example.com', 'http://localhost:5173']);
    expect(() => loadConfig({ ...valid, CORS_ORIGINS: 'https://ops.example.com/app,*' })).toThrow(
      /CORS_ORIGINS: https:\/\/ops.example.com\/app is not an origin[\s\S]*CORS_ORIGINS: \* is not an origin/,
    );
  });

  it('describes every key and flags the secrets', () => {
    const text = describeConfig();
    for (const key of [
      'DATABASE_URL',
      'NATS_URL',
      'NATS_HUB_JWT',
      'NATS_HUB_SEED',
      'NATS_ACCOUNT_SEED',
      'AGENT_NATS_URL',
      'ADMIN_TOKEN',
      'PORT',
      'HOST',
      'HEARTBEAT_INTERVAL_SECONDS',
      'LOG_LEVEL',
    ]) {
      expect(text).toMatch(new RegExp(`^${key}: \\S`, 'm'));
    }
    expect(text).toMatch(/^ADMIN_TOKEN: .*\(secret\)$/m);
    expect(text).toMatch(/^NATS_ACCOUNT_SEED: .*\(secret\)$/m);
    expect(text).toMatch(/^FLOTILLA_SECRET_KEY: .*\(secret\)$/m);
    expect(text).toMatch(/^FLEET_GIT_TOKEN: .*\(secret\)$/m);
  });
});
