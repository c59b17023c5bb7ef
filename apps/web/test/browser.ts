/**
 * Headless Chromium for the dashboard's end-to-end tests: Debian's chromium driven by
 * playwright-core, a fresh profile per launch, screenshots under test-results/ (gitignored).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { scaled } from '@flotilla/testing';

/** Debian's package puts it here; `npm test` exports FLOTILLA_CHROMIUM after checking it is installed. */
export const CHROMIUM = process.env.FLOTILLA_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('../../../test-results/dashboard/', import.meta.url));

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested (documents, scripts, fetches, WebSockets). */
  requests: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'flotilla-chromium-'));
  let context: BrowserContext;
  try {
    // A persistent context on a fresh folder is how playwright takes --user-data-dir.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1360, height: 860 },
      timeout: scaled(30_000),
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(
      `cannot start Chromium at ${CHROMIUM} (install it with: apt-get install -y chromium): ${(error as Error).message}`,
    );
  }
  // Playwright's own defaults (30 s per action and navigation) stretch with the machine's load.
  context.setDefaultTimeout(scaled(30_000));
  context.setDefaultNavigationTimeout(scaled(30_000));
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    requests,
    errors,
    async screenshot(name) {
      const file = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
