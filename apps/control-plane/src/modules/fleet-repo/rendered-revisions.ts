/**
 * Under hydration agents run rendered commits, while clusters, rollouts and the dashboard speak
 * in source commits. This map (filled by the hydration module as it publishes or reads back
 * rendered commits) turns a revision an agent reports back into the source commit it renders.
 */
import { Injectable } from '@nestjs/common';

const MAX_ENTRIES = 10_000;

@Injectable()
export class RenderedRevisions {
  private readonly sources = new Map<string, string>();

  remember(source: string, rendered: string): void {
    if (this.sources.get(rendered) === source) return;
    this.sources.set(rendered, source);
    if (this.sources.size > MAX_ENTRIES) this.sources.delete(this.sources.keys().next().value as string);
  }

  /** The source commit of a rendered commit; any other revision as it is. */
  sourceOf(revision: string): string {
    return this.sources.get(revision) ?? revision;
  }
}
