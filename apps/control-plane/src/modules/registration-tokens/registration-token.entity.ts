import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A token an agent presents once to register its cluster; only the secret's hash is stored. */
@Entity({ name: 'registration_tokens' })
export class RegistrationToken {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text', { array: true }) tags!: string[];
  @Column('bytea', { name: 'secret_hash', select: false }) secretHash!: Buffer;
  @Column('int', { name: 'max_uses' }) maxUses!: number;
  @Column('int', { name: 'used_count', default: 0 }) usedCount!: number;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  /** Clusters registered with it wait in AwaitingApproval until an admin approves them. */
  @Column('boolean', { name: 'require_approval', default: false }) requireApproval!: boolean;
  /** When set, only a cluster of exactly this name may register with it. */
  @Column('text', { name: 'cluster_name', nullable: true }) clusterName!: string | null;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
}
