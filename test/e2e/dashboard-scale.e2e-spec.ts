/**
 * The dashboard at 10,000 clusters: the fleet page asks the server for one page of tiles at a
 * time (filtering there too), so the first screen, a tag filter and "load more" stay fast and
 * the page never holds the whole fleet. The clusters are written straight into the database
 * (registering 10,000 agents is not what is being tested here).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { launchBrowser, type Browser } from '../../apps/web/test/browser.js';
import { scaled } from '@flotilla/testing';

const CLUSTERS = 10_000;
const PAGE = 200;
const TAGS = ['canary', 'edge-eu', 'edge-us', 'cloud'];

describe('web dashboard at 10,000 clusters', () => {
  let h: Harness;
  let b: Browser;
  /** `first` of every clusters query the page sent. */
  const asked: number[] = [];

  beforeAll(async () => {
    h = await startHarness();
    const db = new pg.Client({ connectionString: h.db.url });
    await db.connect();
    try {
      // i % 4 picks the tag; every 50th was never heard from, every 40th went quiet an hour ago.
      await db.query(
        `INSERT INTO clusters (id, name, tags, nats_public_key, kube_version, agent_version, provider, region, node_count, last_seen_at)
         SELECT gen_random_uuid(), 'c-' || lpad(i::text, 5, '0'), ARRAY[($1::text[])[(i % 4) + 1]], 'U' || lpad(i::text, 55, 'X'), 'v1.31.2', '0.1.0', 'aws', 'eu-west-1', 3,
                CASE WHEN i % 50 = 0 THEN NULL WHEN i % 40 = 0 THEN now() - interval '1 hour' ELSE now() END
         FROM generate_series(1, $2::int) AS i`,
        [TAGS, CLUSTERS],
      );
    } finally {
      await db.end();
    }
    b = await launchBrowser();
    b.page.on('request', (r) => {
      const body = r.postData();
      if (r.url().endsWith('/graphql') && body?.includes('clusters(filter'))
        asked.push((JSON.parse(body) as { variables: { first: number } }).variables.first);
    });
  });

  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  const page = () => b.page;
  const tiles = () => page().locator('.tile').count();
  const timed = async (what: () => Promise<unknown>) => {
    const t0 = performance.now();
    await what();
    return Math.round(performance.now() - t0);
  };

  it('shows the first page of tiles and the counts of the whole fleet quickly', async () => {
    await page().goto(h.cp.url);
    await page().fill('#token', ADMIN_TOKEN);
    const ms = await timed(async () => {
      await page().click('button[type=submit]');
      await page().waitForSelector('.page-status >> text=Showing 200 of 10,000 clusters');
    });
    console.log(`[scale] login to first ${PAGE} of ${CLUSTERS} tiles: ${ms} ms`);
    expect(ms).toBeLessThan(scaled(5000));
    await expect(tiles()).resolves.toBe(PAGE);
    await expect(page().locator('.count-total strong').textContent()).resolves.toBe('10,000');
    await expect(page().locator('.count-pending strong').textContent()).resolves.toBe('200');
    await expect(page().locator('.count-offline strong').textContent()).resolves.toBe('200');
    await b.screenshot('10-fleet-10000');
  });

  it('filters by tag on the server and loads further pages on demand', async () => {
    const filter = await timed(async () => {
      await page().click('.chip[data-tag="edge-us"]');
      await page().waitForSelector('.page-status >> text=Showing 200 of 2,500 clusters');
    });
    const names = await page()
      .locator('.tile')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-cluster')));
    // i % 4 === 2 → edge-us: c-00002, c-00006, …
    expect(names.slice(0, 3)).toEqual(['c-00002', 'c-00006', 'c-00010']);
    const more = await timed(async () => {
      await page().click('button >> text=Load 200 more');
      await page().waitForSelector('.page-status >> text=Showing 400 of 2,500 clusters');
    });
    console.log(`[scale] tag filter: ${filter} ms, next page: ${more} ms`);
    expect(filter).toBeLessThan(scaled(5000));
    expect(more).toBeLessThan(scaled(5000));
    await expect(tiles()).resolves.toBe(2 * PAGE);
  });

  it('never asks for more than one page of clusters', () => {
    expect(asked.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...asked)).toBe(PAGE);
  });
});
