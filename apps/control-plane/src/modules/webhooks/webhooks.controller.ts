import { Controller, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { WebhooksExceptionFilter } from './webhooks.exception.filter.js';
import { type WebhookResult, WebhooksService } from './webhooks.service.js';

@Controller('v1/git')
@UseFilters(WebhooksExceptionFilter)
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** The raw body is kept by the JSON parser (bootstrap.ts) for the HMAC. */
  @Post('webhook')
  @HttpCode(202)
  receive(@Req() req: Request & { rawBody?: Buffer }): WebhookResult {
    return this.webhooks.handle({ headers: req.headers, rawBody: req.rawBody });
  }
}
