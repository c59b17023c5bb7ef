import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebModule } from './web.module.js';

describe('WebModule', () => {
  let app: NestExpressApplication;
  let url: string;
  beforeAll(async () => {
    app = await NestFactory.create<NestExpressApplication>(WebModule, { logger: false });
    app.use(helmet());
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves the dashboard page at / under a CSP that allows only same-origin scripts, with no inline script', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/assets/js/main.js"></script>');
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\bsrc="\/assets\//);
  });

  it('serves the dashboard modules and styles with their content types', async () => {
    const js = await fetch(`${url}/assets/js/views/fleet.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toContain('clusters(filter: $filter, first: $first, after: $after)');
    const css = await fetch(`${url}/assets/styles/app.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('serves the graphql-ws browser client and the chunk it imports', async () => {
    const client = await (await fetch(`${url}/vendor/graphql-ws/client.js`)).text();
    expect(client).toContain('function createClient');
    const chunk = /from '\.\/([^']+\.js)'/.exec(client)?.[1];
    expect(chunk).toBeTruthy();
    expect((await fetch(`${url}/vendor/graphql-ws/${chunk}`)).status).toBe(200);
  });

  it('answers 404 for missing files, dotfiles and paths that climb out of the folder', async () => {
    for (const path of [
      '/assets/js/missing.js',
      '/assets/.hidden.js',
      '/assets/%2e%2e/package.json',
      '/assets/..%2F..%2Fcontrol-plane%2Fpackage.json',
      '/vendor/graphql-ws/..%2Fpackage.json',
      '/assets/js/main.ts',
    ]) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain('"name"');
    }
  });
});
