import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Folders the dashboard is served from: its own sources and the graphql-ws browser build. */
export interface WebRoots {
  /** apps/web/src: index.html, CSS and the ES modules, served as they are */
  app: string;
  /** graphql-ws/dist: client.js and the chunk it imports */
  graphqlWs: string;
}

/**
 * The dashboard sits beside the control plane in the workspace (apps/web; the image copies it
 * the same way), found relative to this file rather than imported: one app does not import another.
 * graphql-ws is a dependency, resolved through node_modules.
 */
export function resolveWebRoots(): WebRoots {
  return {
    app: fileURLToPath(new URL('../../../../web/src/', import.meta.url)),
    graphqlWs: join(dirname(require.resolve('graphql-ws/package.json')), 'dist'),
  };
}
