import { readFile } from 'node:fs/promises';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printControlPlaneSchema, printSorted, SCHEMA_FILE } from '../src/graphql/print-schema.js';
import { startHarness, type Harness } from './support/harness.js';

describe('GraphQL schema file', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the committed schema.gql matches the code (run `npm run -w @flotilla/control-plane schema` to update it)', async () => {
    expect(await printControlPlaneSchema()).toBe(await readFile(SCHEMA_FILE, 'utf8'));
  });

  it('the running server serves exactly the committed schema', async () => {
    const served = printSorted(h.cp.app.get(GraphQLSchemaHost).schema);
    expect(served).toBe(await readFile(SCHEMA_FILE, 'utf8'));
  });
});
