import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { issueSecret } from '../../common/secret-token.util.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor, Role } from '../auth/role.js';
import { API_TOKEN_REVOKED_CHANNEL } from '../auth/token-revocation.listener.js';
import { ApiToken } from './api-token.entity.js';
import { ApiTokensException, ApiTokensExceptionCode } from './api-tokens.exception.js';

/** Issues, lists and revokes API tokens; the secret is returned once and stored only hashed. */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, input: { name: string; role: Role }): Promise<{ apiToken: ApiToken; token: string }> {
    const secret = issueSecret('api');
    const apiToken = await this.db.transaction(async (m) => {
      const row = m.create(ApiToken, {
        id: secret.id,
        name: input.name,
        role: input.role,
        secretHash: secret.hash,
        createdBy: actor.id,
        revokedAt: null,
      });
      await m.insert(ApiToken, row);
      await this.audit.record(m, actor, {
        action: 'apiToken.create',
        targetType: 'ApiToken',
        targetId: secret.id,
        details: { name: input.name, role: input.role },
      });
      return m.findOneByOrFail(ApiToken, { id: secret.id });
    });
    return { apiToken, token: secret.token };
  }

  async revoke(actor: Actor, id: string): Promise<ApiToken> {
    return this.db.transaction(async (m) => {
      const row = await m.findOne(ApiToken, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new ApiTokensException(`no API token with id ${id}`, ApiTokensExceptionCode.NotFound, 'id');
      if (row.revokedAt)
        throw new ApiTokensException(`API token ${id} is already revoked`, ApiTokensExceptionCode.AlreadyRevoked, 'id');
      row.revokedAt = new Date();
      await m.update(ApiToken, { id }, { revokedAt: row.revokedAt });
      // Delivered to every replica on commit: each closes its graphql-ws sockets of this token.
      await m.query(`SELECT pg_notify($1, $2)`, [API_TOKEN_REVOKED_CHANNEL, id]);
      await this.audit.record(m, actor, {
        action: 'apiToken.revoke',
        targetType: 'ApiToken',
        targetId: id,
        details: { name: row.name },
      });
      return row;
    });
  }

  list(): Promise<ApiToken[]> {
    return this.db.getRepository(ApiToken).find({ order: { createdAt: 'DESC', id: 'ASC' } });
  }
}
