import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '../auth/role.js';

/** A bearer token for the GraphQL API; only the secret's hash is stored. */
@Entity({ name: 'api_tokens' })
export class ApiToken {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text') role!: Role;
  @Column('bytea', { name: 'secret_hash', select: false }) secretHash!: Buffer;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
}
