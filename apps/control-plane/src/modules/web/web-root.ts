import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Folders the dashboard is served from: its own sources and the graphql-ws browser build. */
export interface WebRoots {
  /** apps/web/src: index.html, CSS and the ES modules, served as they are */
  app: string;
  /** graphql-ws/dist: client.js and the chunk it imports */
  graphqlWs: string;
}

/** Resolves both through node_modules (the @flotilla/web workspace link), so no path is hard-coded. */
export function resolveWebRoots(): WebRoots {
  return {
    app: join(dirname(require.resolve('@flotilla/web/package.json')), 'src'),
    graphqlWs: join(dirname(require.resolve('graphql-ws/package.json')), 'dist'),
  };
}
