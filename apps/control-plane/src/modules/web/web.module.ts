/** Hosts the web dashboard (apps/web) at `/`: static files only, under helmet's CSP (no inline scripts). */
import { Module } from '@nestjs/common';
import { WebController } from './web.controller.js';
import { resolveWebRoots } from './web-root.js';
import { WEB_ROOTS } from './web.tokens.js';

@Module({
  controllers: [WebController],
  providers: [{ provide: WEB_ROOTS, useFactory: resolveWebRoots }],
})
export class WebModule {}
