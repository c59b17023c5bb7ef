/** The in-process events the ingest publishes: GraphQL subscriptions and alerts listen to them. */
import type { DriftReport, SyncReport } from '@flotilla/protocol';
import { PubSub } from '../../common/pub-sub.js';

export interface DriftDetectedEvent {
  id: string;
  clusterId: string;
  clusterName: string;
  report: DriftReport;
}

export interface SyncReportedEvent {
  clusterId: string;
  clusterName: string;
  report: SyncReport;
  /** False when a report with a higher seq was already stored (it went to history only). */
  latest: boolean;
}

export interface ClusterWentOfflineEvent {
  clusterId: string;
  clusterName: string;
  lastSeenAt: Date;
}

export type FleetEventTopics = {
  driftDetected: DriftDetectedEvent;
  syncReported: SyncReportedEvent;
  clusterOffline: ClusterWentOfflineEvent;
  /** Any change of a cluster's connection or sync status (the id of the cluster). */
  clusterStatusChanged: { clusterId: string };
};

export class FleetEvents extends PubSub<FleetEventTopics> {}
