import { createRequire } from 'node:module';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// One config for the whole workspace. SWC (not esbuild) compiles TypeScript so that
// NestJS gets decorator metadata.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    // graphql 16 ships index.js and index.mjs without an exports map; Nest and Apollo load the
    // CommonJS copy, so our code must too, or instanceof checks fail across two copies.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: [
      'apps/*/src/**/*.spec.ts',
      'libs/*/src/**/*.spec.ts',
      'apps/*/test/**/*.int-spec.ts',
      'libs/*/test/**/*.int-spec.ts',
      'test/e2e/**/*.e2e-spec.ts',
      'infra/test/**/*.int-spec.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
