import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service.js';
import { RolloutPlanner } from '../rollouts/rollout-planner.service.js';
import { parseWebhookEvent, detectProvider, WebhookPayloadError } from './webhook-event.js';
import { verifySignature } from './webhook-signature.js';
import { WebhooksException, WebhooksExceptionCode } from './webhooks.exception.js';

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Uint8Array | undefined;
}

export interface WebhookResult {
  provider: string;
  event: string;
  /** 'poll': a push to the tracked branch started a poll of the fleet repo; 'ignored': nothing to do. */
  outcome: 'pong' | 'poll' | 'ignored';
  revision?: string;
  reason?: string;
}

/**
 * POST /v1/git/webhook: checks the signature against FLEET_WEBHOOK_SECRET before reading the
 * payload (bad → 401, nothing done); a push to the tracked branch triggers the same poll as the
 * timer, so webhook and polling share one path.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly fleetRepo: FleetRepoService,
    private readonly planner: RolloutPlanner,
  ) {}

  handle(req: WebhookRequest): WebhookResult {
    const secret = this.config.FLEET_WEBHOOK_SECRET;
    if (!secret)
      throw new WebhooksException(
        'the Git webhook is not enabled (set FLEET_WEBHOOK_SECRET)',
        WebhooksExceptionCode.Disabled,
      );
    const source = detectProvider(req.headers);
    if (!source)
      throw new WebhooksException(
        'not a GitHub, GitLab or Gitea webhook: no X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event header',
        WebhooksExceptionCode.UnknownProvider,
      );
    const rawBody = req.rawBody ?? new Uint8Array();
    if (!verifySignature({ provider: source.provider, headers: req.headers, rawBody }, secret)) {
      this.logger.warn(`rejected a ${source.provider} ${source.event} webhook with a missing or wrong signature`);
      throw new WebhooksException(
        `${source.provider} webhook signature does not match the configured secret`,
        WebhooksExceptionCode.BadSignature,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(rawBody).toString('utf8'));
      const event = parseWebhookEvent(source.provider, source.event, body);
      const base = { provider: source.provider, event: source.event };
      if (event.kind === 'ping') return { ...base, outcome: 'pong' };
      if (event.kind === 'ignored')
        return { ...base, outcome: 'ignored', reason: `event ${event.event} is not a push` };
      const tracked = `refs/heads/${this.config.FLEET_BRANCH}`;
      if (event.ref !== tracked)
        return {
          ...base,
          outcome: 'ignored',
          revision: event.after,
          reason: `push to ${event.ref}, not the tracked ${tracked}`,
        };
      if (event.deleted) return { ...base, outcome: 'ignored', reason: `push deletes ${event.ref}` };
      this.logger.log(`${source.provider} push to ${tracked} at ${event.after}: polling the fleet repo`);
      this.planner.announce(event.after, { id: `webhook:${source.provider}`, name: `${source.provider} push webhook` });
      void this.fleetRepo.poll();
      return { ...base, outcome: 'poll', revision: event.after };
    } catch (e) {
      if (e instanceof WebhookPayloadError || e instanceof SyntaxError)
        throw new WebhooksException(`invalid webhook body: ${e.message}`, WebhooksExceptionCode.InvalidBody);
      throw e;
    }
  }
}
