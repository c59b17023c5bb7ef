import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { issueSecret } from '../../common/secret-token.util.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/role.js';
import { RegistrationToken } from './registration-token.entity.js';
import { RegistrationTokensException, RegistrationTokensExceptionCode } from './registration-tokens.exception.js';

export interface NewRegistrationToken {
  name: string;
  tags: string[];
  expiresIn: number;
  maxUses: number;
}

/** Creates, lists and revokes registration tokens; the secret is returned once and stored only hashed. */
@Injectable()
export class RegistrationTokensService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, input: NewRegistrationToken): Promise<{ registrationToken: RegistrationToken; token: string }> {
    const secret = issueSecret('reg');
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
        createdBy: actor.id,
      });
      await this.audit.record(m, actor, { action: 'registrationToken.create', targetType: 'RegistrationToken', targetId: secret.id, details: { ...input } });
      return m.findOneByOrFail(RegistrationToken, { id: secret.id });
    });
    return { registrationToken, token: secret.token };
  }

  async revoke(actor: Actor, id: string): Promise<RegistrationToken> {
    return this.db.transaction(async (m) => {
      const row = await m.findOne(RegistrationToken, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new RegistrationTokensException(`no registration token with id ${id}`, RegistrationTokensExceptionCode.NotFound, 'id');
      if (row.revokedAt) throw new RegistrationTokensException(`registration token ${id} is already revoked`, RegistrationTokensExceptionCode.AlreadyRevoked, 'id');
      row.revokedAt = new Date();
      await m.update(RegistrationToken, { id }, { revokedAt: row.revokedAt });
      await this.audit.record(m, actor, { action: 'registrationToken.revoke', targetType: 'RegistrationToken', targetId: id, details: { name: row.name } });
      return row;
    });
  }

  list(): Promise<RegistrationToken[]> {
    return this.db.getRepository(RegistrationToken).find({ order: { createdAt: 'DESC', id: 'ASC' } });
  }
}
