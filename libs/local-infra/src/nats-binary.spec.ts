import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNatsServer } from './nats-binary.js';

describe('findNatsServer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-nats-bin-'));
    await writeFile(join(dir, 'nats-server'), '#!/bin/sh\n');
    await chmod(join(dir, 'nats-server'), 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes FLOTILLA_NATS_SERVER first, the name npm start and npm test set', () => {
    expect(findNatsServer({ FLOTILLA_NATS_SERVER: '/opt/nats/a', NATS_SERVER_BIN: '/opt/nats/b', PATH: dir })).toBe(
      '/opt/nats/a',
    );
  });

  it('still takes NATS_SERVER_BIN', () => {
    expect(findNatsServer({ NATS_SERVER_BIN: '/opt/nats/b', PATH: dir })).toBe('/opt/nats/b');
  });

  it('else finds it on PATH', () => {
    expect(findNatsServer({ PATH: dir })).toBe(join(dir, 'nats-server'));
  });
});
