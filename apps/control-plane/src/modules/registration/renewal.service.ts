import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { mintUserJwt, renewalSignatureValid } from '@flotilla/nats-auth';
import {
  agentPermissions,
  describeZodError,
  PROTOCOL_VERSION,
  RenewRequest,
  type RenewResponse,
} from '@flotilla/protocol';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { AuditService } from '../audit/audit.service.js';
import { Admission, Cluster } from '../clusters/cluster.entity.js';
import { RENEWAL_REFUSED_MESSAGE, RegistrationException, RegistrationExceptionCode } from './registration.exception.js';

/** How far a renewal's signed time may be from the hub's clock. */
export const MAX_RENEWAL_SKEW_MS = 5 * 60_000;

/** Why a renewal was refused: logged (and the suspicious ones audited), never told to the caller. */
type RefusalReason =
  | 'stale signature time'
  | 'unknown cluster'
  | 'bad signature'
  | 'key of another cluster'
  | 'key not registered'
  | 'deregistered'
  | 'suspended'
  | 'replayed';

/** A cut-off agent retrying is expected; these are attempts to get someone else's credential. */
const AUDITED: ReadonlySet<RefusalReason> = new Set([
  'unknown cluster',
  'bad signature',
  'key of another cluster',
  'key not registered',
  'replayed',
]);

/**
 * POST /v1/agent/renew: a fresh short-lived NATS JWT for an agent that proves it holds the key
 * its cluster registered with (an Ed25519 signature over the cluster id, key, time and a nonce).
 * Another key, another cluster's id, a deregistered or suspended cluster, a stale or replayed
 * request: one 401 for all; the log names the real reason, and attempts at another cluster's
 * credential (wrong key, unknown cluster, bad signature, replay) are audited.
 */
@Injectable()
export class RenewalService {
  private readonly logger = new Logger(RenewalService.name);

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async renew(body: unknown, source: string): Promise<RenewResponse> {
    const parsed = RenewRequest.safeParse(body);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') || '(root)';
      throw new RegistrationException(
        `invalid renewal request: ${describeZodError(parsed.error)}`,
        RegistrationExceptionCode.InvalidBody,
        field,
      );
    }
    const req = parsed.data;
    const signedAt = new Date(req.signedAt);
    if (Math.abs(Date.now() - signedAt.getTime()) > MAX_RENEWAL_SKEW_MS)
      throw await this.refuse(req, source, 'stale signature time');
    const cluster = await this.db.getRepository(Cluster).findOneBy({ id: req.clusterId });
    if (!cluster) throw await this.refuse(req, source, 'unknown cluster');
    if (!renewalSignatureValid(req)) throw await this.refuse(req, source, 'bad signature');
    if (req.natsPublicKey !== cluster.natsPublicKey) {
      const owner = await this.db
        .getRepository(Cluster)
        .findOne({ where: { natsPublicKey: req.natsPublicKey }, select: { id: true, name: true } });
      throw await this.refuse(
        req,
        source,
        owner ? 'key of another cluster' : 'key not registered',
        owner ? { keyOwner: { id: owner.id, name: owner.name } } : {},
      );
    }
    if (cluster.deregisteredAt) throw await this.refuse(req, source, 'deregistered');
    if (cluster.admission === Admission.Suspended) throw await this.refuse(req, source, 'suspended');

    const ttl = this.config.AGENT_JWT_TTL_SECONDS;
    const expiresAt = new Date(Date.now() + ttl * 1000);
    // Only a newer signed time than the last accepted one, and only while the cluster still may.
    const [rows] = (await this.db.query(
      `UPDATE clusters SET last_renewal_signed_at = $2, credential_expires_at = $3
        WHERE id = $1 AND deregistered_at IS NULL AND admission <> 'Suspended'
          AND (last_renewal_signed_at IS NULL OR last_renewal_signed_at < $2)
        RETURNING id`,
      [cluster.id, signedAt, expiresAt],
    )) as [{ id: string }[], number];
    if (rows.length === 0) throw await this.refuse(req, source, 'replayed');
    const jwt = await mintUserJwt(
      { accountSeed: this.config.NATS_ACCOUNT_SEED },
      {
        publicKey: cluster.natsPublicKey,
        name: `cluster:${cluster.name}`,
        permissions: agentPermissions(cluster.id),
        expiresInSeconds: ttl,
      },
    );
    this.logger.debug(`renewed the NATS credential of cluster ${cluster.name} until ${expiresAt.toISOString()}`);
    return { protocol: PROTOCOL_VERSION, jwt, expiresAt: expiresAt.toISOString() };
  }

  private async refuse(
    req: RenewRequest,
    source: string,
    reason: RefusalReason,
    extra: Record<string, unknown> = {},
  ): Promise<RegistrationException> {
    this.logger.warn(`refused a credential renewal for cluster id ${req.clusterId} from ${source}: ${reason}`);
    if (AUDITED.has(reason))
      await this.db
        .transaction((m) =>
          this.audit.record(
            m,
            { id: `agent-key:${req.natsPublicKey}`, name: 'credential renewal' },
            {
              action: 'cluster.renew.refused',
              targetType: 'Cluster',
              targetId: req.clusterId,
              details: { reason, presentedKey: req.natsPublicKey, source, ...extra },
            },
          ),
        )
        .catch((e: unknown) => this.logger.error(`auditing a refused renewal failed: ${(e as Error).message}`));
    return new RegistrationException(RENEWAL_REFUSED_MESSAGE, RegistrationExceptionCode.RenewalRefused);
  }
}
