import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AgentRelay, type RelayOutcome } from '@flotilla/relay';
import { MetricsService } from '../health/metrics.service.js';
import { NatsService } from '../nats/nats.service.js';

/**
 * Runs this replica's share of the agent relay (libs/relay): agents' requests on their relay
 * subjects are validated, written to the agent stream with the hub's connection and answered
 * only into the sender's own inbox. Started once the stream and bucket exist (NatsService).
 */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RelayService.name);
  private relay?: AgentRelay;

  constructor(
    private readonly nats: NatsService,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.relay = new AgentRelay({
      nc: this.nats.nc,
      logger: { warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
      onOutcome: (o) => this.count(o),
    });
    this.relay.start();
  }

  private count(o: RelayOutcome): void {
    const detail = o.type === 'accepted' ? o.kind : o.type === 'refused' ? o.code : o.reason;
    this.metrics.relayRequests.inc({ outcome: o.type, detail });
  }

  /** Runs before the NATS connection drains (onApplicationShutdown). */
  async onModuleDestroy(): Promise<void> {
    await this.relay?.stop();
  }
}
