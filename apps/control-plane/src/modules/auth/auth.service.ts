import { Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { hashSecret, parseSecret, secretMatches } from '../../common/secret-token.util.js';
import { CONFIG } from '../../config/config.token.js';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { ApiToken } from '../api-tokens/api-token.entity.js';
import { Role, type Actor } from './role.js';

/** Turns a bearer token into an Actor: the boot admin token from config, or a stored API token. */
@Injectable()
export class AuthService {
  private readonly adminHash: Buffer;

  constructor(
    @Inject(CONFIG) config: ControlPlaneConfig,
    private readonly db: DataSource,
  ) {
    this.adminHash = hashSecret(config.ADMIN_TOKEN);
  }

  async authenticate(token: string): Promise<Actor | undefined> {
    if (timingSafeEqual(hashSecret(token), this.adminHash))
      return { id: 'admin-token', name: 'bootstrap admin', role: Role.Admin };
    const id = parseSecret('api', token);
    if (!id) return undefined;
    const row = await this.db
      .getRepository(ApiToken)
      .createQueryBuilder('t')
      .addSelect('t.secretHash')
      .where('t.id = :id', { id })
      .getOne();
    if (!secretMatches(token, row?.secretHash) || !row || row.revokedAt) return undefined;
    return { id: row.id, name: row.name, role: row.role };
  }
}
