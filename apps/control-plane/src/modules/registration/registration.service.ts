import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { mintUserJwt } from '@flotilla/nats-auth';
import {
  agentPermissions,
  describeZodError,
  PROTOCOL_VERSION,
  RegisterRequest,
  subjects,
  type RegisterResponse,
} from '@flotilla/protocol';
import { parseSecret, secretMatches } from '../../common/secret-token.util.js';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { AuditService } from '../audit/audit.service.js';
import { Admission, Cluster } from '../clusters/cluster.entity.js';
import { DesiredStateService } from '../fleet-repo/desired-state.service.js';
import { RegistrationToken } from '../registration-tokens/registration-token.entity.js';
import { INVALID_TOKEN_MESSAGE, RegistrationException, RegistrationExceptionCode } from './registration.exception.js';

const isUniqueViolation = (e: unknown) =>
  e instanceof QueryFailedError && (e.driverError as { code?: string }).code === '23505';

/**
 * POST /v1/register: checks the token's secret (constant time), then one transaction that
 * checks expiry/revocation/uses and consumes one use atomically,
 * records the cluster with the token's tags and audits it; then hands back a NATS user JWT
 * limited to that cluster's own subjects.
 */
@Injectable()
export class RegistrationService {
  private readonly logger = new Logger(RegistrationService.name);

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly desired: DesiredStateService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async register(body: unknown): Promise<RegisterResponse> {
    const parsed = RegisterRequest.safeParse(body);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') || '(root)';
      throw new RegistrationException(
        `invalid registration request: ${describeZodError(parsed.error)}`,
        RegistrationExceptionCode.InvalidBody,
        field,
      );
    }
    const req = parsed.data;
    // Check the secret before any expensive work, so garbage tokens cost one indexed read.
    const tokenId = parseSecret('reg', req.token);
    const token = tokenId
      ? await this.db
          .getRepository(RegistrationToken)
          .createQueryBuilder('t')
          .addSelect('t.secretHash')
          .where('t.id = :id', { id: tokenId })
          .getOne()
      : null;
    if (!secretMatches(req.token, token?.secretHash) || !token) throw this.invalidToken();
    // A token bound to one name refuses any other, before a use is spent.
    if (token.clusterName !== null && token.clusterName !== req.name) {
      throw new RegistrationException(
        `this registration token is bound to another cluster name than ${req.name}`,
        RegistrationExceptionCode.NameNotAllowed,
        'name',
      );
    }
    const clusterId = randomUUID();
    const ttl = this.config.AGENT_JWT_TTL_SECONDS;
    const jwt = await mintUserJwt(
      { accountSeed: this.config.NATS_ACCOUNT_SEED },
      {
        publicKey: req.natsPublicKey,
        name: `cluster:${req.name}`,
        permissions: agentPermissions(clusterId),
        expiresInSeconds: ttl,
      },
    );
    try {
      await this.db.transaction(async (m) => {
        // Expiry, revocation and uses left are checked and one use consumed in one atomic statement.
        const [consumed] = (await m.query(
          `UPDATE registration_tokens SET used_count = used_count + 1
            WHERE id = $1 AND revoked_at IS NULL AND expires_at > now() AND used_count < max_uses
            RETURNING tags, require_approval`,
          [token.id],
        )) as [{ tags: string[]; require_approval: boolean }[], number];
        if (consumed.length === 0) throw this.invalidToken();
        const awaitingApproval = consumed[0]!.require_approval;
        await m.insert(Cluster, {
          id: clusterId,
          name: req.name,
          tags: consumed[0]!.tags,
          natsPublicKey: req.natsPublicKey,
          ...req.facts,
          lastSeenAt: null,
          deregisteredAt: null,
          registrationTokenId: token.id,
          // A cluster awaiting approval gets no desired state until approveCluster.
          admission: awaitingApproval ? Admission.AwaitingApproval : Admission.Active,
          credentialExpiresAt: new Date(Date.now() + ttl * 1000),
          desiredRevision: awaitingApproval ? null : (this.desired.currentHead ?? null),
          desiredUpdatedAt: new Date(),
        });
        await this.audit.record(
          m,
          { id: `registration-token:${token.id}`, name: token.name },
          {
            action: 'cluster.register',
            targetType: 'Cluster',
            targetId: clusterId,
            details: { name: req.name, tags: consumed[0]!.tags, awaitingApproval },
          },
        );
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new RegistrationException(
          `a cluster named ${req.name} is already registered`,
          RegistrationExceptionCode.NameTaken,
          'name',
        );
      throw error;
    }
    this.logger.log(`registered cluster ${req.name} (${clusterId})`);
    await this.desired.publishQuietly(clusterId);
    return {
      protocol: PROTOCOL_VERSION,
      clusterId,
      nats: { url: this.config.AGENT_NATS_URL, jwt, inboxPrefix: subjects.agentInboxPrefix(clusterId) },
      heartbeatIntervalSeconds: this.config.HEARTBEAT_INTERVAL_SECONDS,
    };
  }

  private invalidToken(): RegistrationException {
    return new RegistrationException(INVALID_TOKEN_MESSAGE, RegistrationExceptionCode.InvalidToken, 'token');
  }
}
