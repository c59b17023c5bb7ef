import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { WebhooksException, WebhooksExceptionCode } from './webhooks.exception.js';

const statuses: Record<WebhooksExceptionCode, number> = {
  [WebhooksExceptionCode.Disabled]: 404,
  [WebhooksExceptionCode.UnknownProvider]: 400,
  [WebhooksExceptionCode.BadSignature]: 401,
  [WebhooksExceptionCode.InvalidBody]: 400,
};

/** Maps webhook failures to HTTP statuses with a JSON body `{ error: { code, message } }`. */
@Catch(WebhooksException)
export class WebhooksExceptionFilter implements ExceptionFilter {
  catch(exception: WebhooksException, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(statuses[exception.code])
      .json({ error: { code: exception.code, message: exception.message } });
  }
}
