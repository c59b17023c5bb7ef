import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// One config for the whole workspace. SWC (not esbuild) compiles TypeScript so that
// NestJS gets decorator metadata.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['apps/*/src/**/*.spec.ts', 'libs/*/src/**/*.spec.ts', 'apps/*/test/**/*.int-spec.ts', 'libs/*/test/**/*.int-spec.ts', 'test/e2e/**/*.e2e-spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
