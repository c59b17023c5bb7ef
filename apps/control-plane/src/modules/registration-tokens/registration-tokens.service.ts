import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { issueSecret } from '../../common/secret-token.util.js';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/role.js';
import { RegistrationToken } from './registration-token.entity.js';
import { RegistrationTokensException, RegistrationTokensExceptionCode } from './registration-tokens.exception.js';

export interface NewRegistrationToken {
  name: string;
  tags: string[];
  expiresIn: number;
  maxUses: number;
  clusterName?: string | null;
  requireApproval?: boolean | null;
}

/** Creates, lists and revokes registration tokens; the secret is returned once and stored only hashed. */
@Injectable()
export class RegistrationTokensService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async create(
    actor: Actor,
    input: NewRegistrationToken,
  ): Promise<{ registrationToken: RegistrationToken; token: string }> {
    const secret = issueSecret('reg');
    const requireApproval = input.requireApproval ?? this.config.REGISTRATION_REQUIRE_APPROVAL;
    const clusterName = input.clusterName ?? null;
    const registrationToken = await this.db.transaction(async (m) => {
      await m.insert(RegistrationToken, {
        id: secret.id,
        name: input.name,
        tags: input.tags,
        secretHash: secret.hash,
        maxUses: input.maxUses,
        usedCount: 0,
        expiresAt: new Date(Date.now() + input.expiresIn * 1000),
        revokedAt: null,
        requireApproval,
        clusterName,
        createdBy: actor.id,
      });
      await this.audit.record(m, actor, {
        action: 'registrationToken.create',
        targetType: 'RegistrationToken',
        targetId: secret.id,
        details: {
          name: input.name,
          tags: input.tags,
          expiresIn: input.expiresIn,
          maxUses: input.maxUses,
          clusterName,
          requireApproval,
        },
      });
      return m.findOneByOrFail(RegistrationToken, { id: secret.id });
    });
    return { registrationToken, token: secret.token };
  }

  async revoke(actor: Actor, id: string): Promise<RegistrationToken> {
    return this.db.transaction(async (m) => {
      const row = await m.findOne(RegistrationToken, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row)
        throw new RegistrationTokensException(
          `no registration token with id ${id}`,
          RegistrationTokensExceptionCode.NotFound,
          'id',
        );
      if (row.revokedAt)
        throw new RegistrationTokensException(
          `registration token ${id} is already revoked`,
          RegistrationTokensExceptionCode.AlreadyRevoked,
          'id',
        );
      row.revokedAt = new Date();
      await m.update(RegistrationToken, { id }, { revokedAt: row.revokedAt });
      await this.audit.record(m, actor, {
        action: 'registrationToken.revoke',
        targetType: 'RegistrationToken',
        targetId: id,
        details: { name: row.name },
      });
      return row;
    });
  }

  list(): Promise<RegistrationToken[]> {
    return this.db.getRepository(RegistrationToken).find({ order: { createdAt: 'DESC', id: 'ASC' } });
  }
}
