/**
 * FactsReader: the cluster facts the agent reports, kept current. Flags (--provider, --region,
 * --kube-version, --node-count) win; what they leave out is read from the cluster's Nodes at
 * start and again every `refreshMs`. A failed read keeps what was known and is logged once.
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/kube-client.js';
import { factsFromNodes, type DiscoveredFacts, type NodeLike } from './node-facts.js';

export interface ConfiguredFacts {
  provider?: string;
  region?: string;
  kubeVersion?: string;
  nodeCount?: number;
}

export interface ReportedFacts {
  provider: string;
  region: string;
  kubeVersion: string;
  nodeCount: number;
}

/** Nodes per page, and pages at most: 50,000 nodes, far past any real cluster. */
const PAGE_SIZE = 500;
const MAX_PAGES = 100;

/** Every Node of the cluster, a page at a time, within `timeoutMs` in all. */
export async function listNodes(client: KubeClient, timeoutMs: number): Promise<NodeLike[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  const nodes: NodeLike[] = [];
  let next: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { body } = await client.request<{ items?: NodeLike[]; metadata?: { continue?: string } }>(
      'GET',
      '/api/v1/nodes',
      { query: { limit: String(PAGE_SIZE), continue: next }, signal },
    );
    nodes.push(...(body.items ?? []));
    next = body.metadata?.continue || undefined;
    if (!next) return nodes;
  }
  throw new Error(`the cluster lists more than ${PAGE_SIZE * MAX_PAGES} Nodes`);
}

/** Flags first, then what the cluster said, then "unknown" (0 nodes). */
export function mergeFacts(configured: ConfiguredFacts, discovered: DiscoveredFacts | undefined): ReportedFacts {
  return {
    provider: configured.provider ?? discovered?.provider ?? 'unknown',
    region: configured.region ?? discovered?.region ?? 'unknown',
    kubeVersion: configured.kubeVersion ?? discovered?.kubeVersion ?? 'unknown',
    nodeCount: configured.nodeCount ?? discovered?.nodeCount ?? 0,
  };
}

export interface FactsReaderOptions {
  client: KubeClient;
  configured: ConfiguredFacts;
  logger: Logger;
  /** How often the Nodes are read again (default 10 minutes). */
  refreshMs?: number;
  /** Longest a read may take (default 10 s). */
  timeoutMs?: number;
}

export class FactsReader {
  private discovered: DiscoveredFacts | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private reading: Promise<void> | undefined;

  readonly client: KubeClient;

  constructor(private readonly opts: FactsReaderOptions) {
    this.client = opts.client;
  }

  current(): ReportedFacts {
    return mergeFacts(this.opts.configured, this.discovered);
  }

  /** Reads the Nodes once; never throws. */
  refresh(): Promise<void> {
    return (this.reading ??= this.read().finally(() => (this.reading = undefined)));
  }

  /** Refreshes every `refreshMs` until stop(). */
  start(): void {
    this.timer ??= setInterval(() => void this.refresh(), this.opts.refreshMs ?? 600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.reading;
  }

  private async read(): Promise<void> {
    const log = this.opts.logger;
    try {
      this.discovered = factsFromNodes(await listNodes(this.opts.client, this.opts.timeoutMs ?? 10_000));
      if (this.failing) log.info('facts: reading Nodes works again');
      this.failing = false;
      log.debug({ facts: this.current() }, 'facts: read from the cluster');
    } catch (error) {
      if (!this.failing)
        log.warn(
          { err: error, kept: this.current() },
          'facts: cannot read Nodes (needs RBAC list on nodes); reporting what flags and earlier reads said',
        );
      this.failing = true;
    }
  }
}
