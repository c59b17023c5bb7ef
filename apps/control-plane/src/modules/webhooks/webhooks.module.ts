/** webhooks: POST /v1/git/webhook — GitHub, GitLab and Gitea push events, verified, trigger a fleet-repo poll. */
import { Module } from '@nestjs/common';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  imports: [FleetRepoModule, RolloutsModule],
  controllers: [WebhooksController],
  providers: [WebhooksService],
})
export class WebhooksModule {}
