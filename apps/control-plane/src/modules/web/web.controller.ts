import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { WEB_ROOTS } from './web.tokens.js';
import type { WebRoots } from './web-root.js';

/** Files a browser may ask for: no dotfiles, no folders, only the kinds the dashboard uses. */
const SAFE_FILE = /^(?:[a-z0-9][a-z0-9._-]*\/)*[a-z0-9][a-z0-9._-]*\.(?:js|css|svg|html)$/i;

/**
 * Serves the dashboard (apps/web) at `/`: index.html, `/assets/*` from its sources and
 * `/vendor/graphql-ws/*` from the graphql-ws package. Static files only; the data comes from
 * /graphql with the user's API token, so nothing here needs authentication.
 */
@Controller()
export class WebController {
  constructor(@Inject(WEB_ROOTS) private readonly roots: WebRoots) {}

  @Get()
  index(@Res() res: Response): void {
    this.send(res, this.roots.app, 'index.html', 'no-cache');
  }

  @Get('assets/*path')
  asset(@Param('path') path: string | string[], @Res() res: Response): void {
    this.send(res, this.roots.app, joinParam(path), 'no-cache');
  }

  @Get('vendor/graphql-ws/*path')
  graphqlWs(@Param('path') path: string | string[], @Res() res: Response): void {
    this.send(res, this.roots.graphqlWs, joinParam(path), 'public, max-age=3600');
  }

  private send(res: Response, root: string, file: string, cacheControl: string): void {
    if (!SAFE_FILE.test(file) || file.split('/').some((part) => part.startsWith('.'))) {
      throw new NotFoundException(`no such dashboard file: ${file}`);
    }
    res.sendFile(
      file,
      { root, dotfiles: 'deny', headers: { 'cache-control': cacheControl } },
      (err?: Error & { status?: number }) => {
        if (!err || res.headersSent) return;
        res
          .status(err.status === 404 || (err as { code?: string }).code === 'ENOENT' ? 404 : 500)
          .json({ error: { code: 'NOT_FOUND', message: `no such dashboard file: ${file}` } });
      },
    );
  }
}

/** Express 5 gives a named wildcard as its path segments. */
function joinParam(path: string | string[]): string {
  return Array.isArray(path) ? path.join('/') : path;
}
