import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { RegistrationToken } from '../registration-tokens/registration-token.entity.js';

/** Whether a cluster may take part: awaiting an admin's approval, active, or suspended by one. */
export const Admission = { Active: 'Active', AwaitingApproval: 'AwaitingApproval', Suspended: 'Suspended' } as const;
export type Admission = (typeof Admission)[keyof typeof Admission];

/** SQL condition on `clusters`: the clusters that get desired state and take part in rollouts. */
export const PARTICIPATING = `deregistered_at IS NULL AND admission = '${Admission.Active}'`;

/** A registered cluster, its facts and when its agent was last heard from. */
@Entity({ name: 'clusters' })
export class Cluster {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text', { array: true }) tags!: string[];
  @Column('text', { name: 'nats_public_key' }) natsPublicKey!: string;
  @Column('text', { name: 'kube_version' }) kubeVersion!: string;
  @Column('text', { name: 'agent_version' }) agentVersion!: string;
  @Column('text') provider!: string;
  @Column('text') region!: string;
  @Column('int', { name: 'node_count' }) nodeCount!: number;
  @CreateDateColumn({ type: 'timestamptz', name: 'registered_at' }) registeredAt!: Date;
  @Column('timestamptz', { name: 'last_seen_at', nullable: true }) lastSeenAt!: Date | null;
  @Column('timestamptz', { name: 'deregistered_at', nullable: true }) deregisteredAt!: Date | null;
  /** Path of the cluster's manifests in the fleet repo; null means the configured template. */
  @Column('text', { name: 'sync_path', nullable: true }) syncPath!: string | null;
  @Column('boolean', { default: true }) prune!: boolean;
  @Column('boolean', { name: 'self_heal', default: true }) selfHeal!: boolean;
  /** The commit the cluster should run; null until the fleet repo has been read. */
  @Column('text', { name: 'desired_revision', nullable: true }) desiredRevision!: string | null;
  @Column('timestamptz', { name: 'desired_updated_at', nullable: true }) desiredUpdatedAt!: Date | null;
  @Column('text', { default: Admission.Active }) admission!: Admission;
  /** NATS refuses the agent's JWTs issued at or before this instant (deregistration, suspension). */
  @Column('timestamptz', { name: 'credentials_revoked_at', nullable: true }) credentialsRevokedAt!: Date | null;
  /** When the agent's current NATS JWT expires (set at registration and each renewal). */
  @Column('timestamptz', { name: 'credential_expires_at', nullable: true }) credentialExpiresAt!: Date | null;
  /** The signed instant of the last accepted renewal; an older or equal one is a replay. */
  @Column('timestamptz', { name: 'last_renewal_signed_at', nullable: true }) lastRenewalSignedAt!: Date | null;
  @Column('timestamptz', { name: 'approved_at', nullable: true }) approvedAt!: Date | null;
  @Column('text', { name: 'approved_by', nullable: true }) approvedBy!: string | null;
  @Column('uuid', { name: 'registration_token_id', nullable: true }) registrationTokenId!: string | null;
  @ManyToOne(() => RegistrationToken, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'registration_token_id' })
  registrationToken?: Relation<RegistrationToken> | null;
}
