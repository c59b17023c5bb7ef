import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent } from './support/agent.js';
import { ADMIN_TOKEN, createRegistrationToken, registration, startHarness, type Harness } from './support/harness.js';

describe('logging', () => {
  let h: Harness;
  const lines: string[] = [];
  beforeAll(async () => {
    h = await startHarness({}, { onLog: (l) => lines.push(l) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('never writes tokens, JWTs or seeds, while still logging what happened', async () => {
    const { token } = await createRegistrationToken(h, { maxUses: 1 });
    const api = await h.gql('mutation { createApiToken(input: { name: "ci", role: VIEWER }) { token } }');
    const { body, key } = registration(token, 'logged');
    const res = await h.register(body);
    const reply = (await res.json()) as { nats: { jwt: string } };
    await h.register(registration(token, 'logged-again').body);
    await h.register(registration(`${token}x`, 'logged-3').body);
    const agent = await registerAgent(h, (await createRegistrationToken(h)).token, 'logged-agent');
    expect(await agent.send('heartbeat', '{ broken')).toMatchObject({ ok: false, code: 'invalid' });
    await eventually(async () => lines.some((l) => l.includes('relay: refused a request')), 5000, 'refusal logged');
    await agent.close();

    const all = lines.join('\n');
    expect(all).toContain('registered cluster logged');
    const secrets = {
      token,
      apiToken: api.data.createApiToken.token,
      jwt: reply.nats.jwt,
      seed: key.seed,
      admin: ADMIN_TOKEN,
      hubSeed: h.config.NATS_HUB_SEED,
      accountSeed: h.config.NATS_ACCOUNT_SEED,
      hubJwt: h.config.NATS_HUB_JWT,
      operatorSeed: h.config.NATS_OPERATOR_SEED!,
      systemSeed: h.config.NATS_SYSTEM_USER_SEED!,
    };
    for (const [name, secret] of Object.entries(secrets))
      expect({ name, leaked: all.includes(secret) }).toEqual({ name, leaked: false });
  });

  it('turns an unexpected failure into INTERNAL for the caller and logs the cause', async () => {
    const db = h.cp.app.get(DataSource);
    await db.query('ALTER TABLE registration_tokens RENAME TO registration_tokens_hidden');
    try {
      const r = await h.gql('{ registrationTokens { id } }');
      expect(r.errors).toEqual([
        { message: 'Internal server error', extensions: { code: 'INTERNAL' }, path: ['registrationTokens'] },
      ]);
      expect(JSON.stringify(r)).not.toContain('registration_tokens');
      expect(
        lines.some(
          (l) =>
            l.includes('unexpected error in GraphQL operation') &&
            l.includes('relation \\"registration_tokens\\" does not exist'),
        ),
      ).toBe(true);
    } finally {
      await db.query('ALTER TABLE registration_tokens_hidden RENAME TO registration_tokens');
    }
  });
});
