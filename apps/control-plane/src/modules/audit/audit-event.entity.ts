import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One audited change: who did what to which target, and when. Append-only. */
@Entity({ name: 'audit_events' })
export class AuditEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('timestamptz', { name: 'occurred_at', default: () => 'now()' }) occurredAt!: Date;
  @Column('text', { name: 'actor_id' }) actorId!: string;
  @Column('text', { name: 'actor_name' }) actorName!: string;
  @Column('text') action!: string;
  @Column('text', { name: 'target_type' }) targetType!: string;
  @Column('text', { name: 'target_id' }) targetId!: string;
  @Column('jsonb', { default: () => "'{}'::jsonb" }) details!: Record<string, unknown>;
}
