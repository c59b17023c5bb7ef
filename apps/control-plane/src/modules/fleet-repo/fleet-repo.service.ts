import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { DesiredStateService } from './desired-state.service.js';
import { redactUrl } from '@flotilla/gitops';
import { readBranchHead } from './git-remote.js';

export interface FleetRepoStatus {
  url: string | null;
  branch: string;
  headRevision: string | null;
  lastPolledAt: Date | null;
  /** Why the last poll failed (unreachable, branch missing); null after a good poll. */
  error: string | null;
}

/**
 * Polls the fleet repository's branch head every FLEET_POLL_INTERVAL_SECONDS and hands a new
 * head to DesiredStateService. A failed poll changes nothing and is shown in `fleetRepo.error`.
 */
@Injectable()
export class FleetRepoService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(FleetRepoService.name);
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private pollAgain?: Promise<void>;
  private stopped = false;
  private readonly state: FleetRepoStatus;

  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly desired: DesiredStateService,
  ) {
    this.state = {
      url: config.FLEET_REPO_URL ? redactUrl(config.FLEET_REPO_URL) : null,
      branch: config.FLEET_BRANCH,
      headRevision: null,
      lastPolledAt: null,
      error: config.FLEET_REPO_URL ? null : 'FLEET_REPO_URL is not configured',
    };
  }

  status(): FleetRepoStatus {
    return { ...this.state };
  }

  onApplicationBootstrap(): void {
    if (!this.config.FLEET_REPO_URL)
      return void this.logger.warn('FLEET_REPO_URL is not set: no desired state will be published');
    this.schedule(0);
  }

  /**
   * Reads the head now and assigns it if it changed. One poll at a time: a call during a poll
   * (a webhook's push may be newer than what that poll read) runs one more poll right after it.
   */
  poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain ??= this.polling.then(() => {
        this.pollAgain = undefined;
        return this.poll();
      });
      return this.pollAgain;
    }
    this.polling = this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule(this.config.FLEET_POLL_INTERVAL_SECONDS * 1000));
    }, delayMs);
  }

  private async pollOnce(): Promise<void> {
    const url = this.config.FLEET_REPO_URL;
    if (!url) return;
    try {
      const head = await readBranchHead({
        url,
        branch: this.config.FLEET_BRANCH,
        username: this.config.FLEET_GIT_USERNAME,
        token: this.config.FLEET_GIT_TOKEN,
        timeoutMs: this.config.FLEET_GIT_TIMEOUT_SECONDS * 1000,
        retries: this.config.FLEET_GIT_RETRIES,
      });
      if (head !== this.state.headRevision)
        this.logger.log(`fleet repo ${this.state.url} ${this.config.FLEET_BRANCH} is at ${head}`);
      await this.desired.assignRevisions(head);
      Object.assign(this.state, { headRevision: head, lastPolledAt: new Date(), error: null });
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.state.error) this.logger.warn(`polling the fleet repo failed: ${message}`);
      Object.assign(this.state, { lastPolledAt: new Date(), error: message });
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }
}
