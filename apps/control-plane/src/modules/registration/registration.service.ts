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
import { CLUSTER_KEY_INDEX } from '../../database/migrations/1764310000000-unique-agent-keys.js';
import {
  INVALID_TOKEN_MESSAGE,
  KEY_TAKEN_MESSAGE,
  RegistrationException,
  RegistrationExceptionCode,
} from './registration.exception.js';

/** The violated unique index's name, when `e` is a unique violation. */
const uniqueViolation = (e: unknown): string | undefined => {
  if (!(e instanceof QueryFailedError)) return undefined;
  const driver = e.driverError as { code?: string; constraint?: string };
  return driver.code === '23505' ? (driver.constraint ?? 'unknown') : undefined;
};

/**
 * POST /v1/register: checks the token's secret (constant time), then one transaction that
 * checks expiry/revocation/uses and consumes one use atomically,
 * records the cluster with the token's tags and audits it; then hands back a NATS user JWT
 * limited to that cluster's own subjects. Safe to retry: the same token, name and public key
 * again get the same cluster and a fresh JWT, even once the token is used up. A public key
 * belongs to one cluster only (a unique index): anyone else's is 409 KEY_TAKEN.
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
    // A retry of a registration that already landed (its answer was lost): same token, same key.
    const retried = await this.retry(req, token);
    if (retried) return retried;
    const clusterId = randomUUID();
    const ttl = this.config.AGENT_JWT_TTL_SECONDS;
    const jwt = await this.mint(clusterId, req.name, req.natsPublicKey);
    let spent = false;
    try {
      await this.db.transaction(async (m) => {
        // Expiry, revocation and uses left are checked and one use consumed in one atomic statement.
        const [consumed] = (await m.query(
          `UPDATE registration_tokens SET used_count = used_count + 1
            WHERE id = $1 AND revoked_at IS NULL AND expires_at > now() AND used_count < max_uses
            RETURNING tags, require_approval`,
          [token.id],
        )) as [{ tags: string[]; require_approval: boolean }[], number];
        if (consumed.length === 0) {
          spent = true;
          throw this.invalidToken();
        }
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
      const violated = uniqueViolation(error);
      // Two copies of one request at once: the loser (its use refused, or its key taken by the
      // winner's commit) answers like a retry of the winner.
      if (spent) {
        const again = await this.retry(req, token);
        if (again) return again;
        throw error;
      }
      if (violated === CLUSTER_KEY_INDEX) {
        const again = await this.retry(req, token);
        if (again) return again;
        throw this.keyTaken();
      }
      if (violated)
        throw new RegistrationException(
          `a cluster named ${req.name} is already registered`,
          RegistrationExceptionCode.NameTaken,
          'name',
        );
      throw error;
    }
    this.logger.log(`registered cluster ${req.name} (${clusterId})`);
    await this.desired.publishQuietly(clusterId);
    return this.answer(clusterId, jwt);
  }

  /**
   * When a cluster already holds this public key: the same token, name and key (a retry whose
   * answer was lost, even after the token's last use) get that cluster back with a fresh
   * credential; anything else is 409 KEY_TAKEN. Undefined when no cluster holds the key.
   */
  private async retry(req: RegisterRequest, token: RegistrationToken): Promise<RegisterResponse | undefined> {
    const cluster = await this.db.getRepository(Cluster).findOneBy({ natsPublicKey: req.natsPublicKey });
    if (!cluster) return undefined;
    const sameRegistration = cluster.registrationTokenId === token.id && cluster.name === req.name;
    if (!sameRegistration) throw this.keyTaken();
    // A revoked token, a deregistered or suspended cluster: the retry gets what a new attempt would.
    if (token.revokedAt) throw this.invalidToken();
    if (cluster.deregisteredAt || cluster.admission === Admission.Suspended) throw this.keyTaken();
    const ttl = this.config.AGENT_JWT_TTL_SECONDS;
    const jwt = await this.mint(cluster.id, cluster.name, cluster.natsPublicKey);
    await this.db.transaction(async (m) => {
      await m.update(Cluster, { id: cluster.id }, { credentialExpiresAt: new Date(Date.now() + ttl * 1000) });
      await this.audit.record(
        m,
        { id: `registration-token:${token.id}`, name: token.name },
        { action: 'cluster.register.retry', targetType: 'Cluster', targetId: cluster.id, details: { name: req.name } },
      );
    });
    this.logger.log(`registration of ${cluster.name} (${cluster.id}) retried: same cluster, fresh credential`);
    return this.answer(cluster.id, jwt);
  }

  private mint(clusterId: string, name: string, publicKey: string): Promise<string> {
    return mintUserJwt(
      { accountSeed: this.config.NATS_ACCOUNT_SEED },
      {
        publicKey,
        name: `cluster:${name}`,
        permissions: agentPermissions(clusterId),
        expiresInSeconds: this.config.AGENT_JWT_TTL_SECONDS,
      },
    );
  }

  private answer(clusterId: string, jwt: string): RegisterResponse {
    return {
      protocol: PROTOCOL_VERSION,
      clusterId,
      nats: { url: this.config.AGENT_NATS_URL, jwt, inboxPrefix: subjects.agentInboxPrefix(clusterId) },
      heartbeatIntervalSeconds: this.config.HEARTBEAT_INTERVAL_SECONDS,
    };
  }

  private keyTaken(): RegistrationException {
    return new RegistrationException(KEY_TAKEN_MESSAGE, RegistrationExceptionCode.KeyTaken, 'natsPublicKey');
  }

  private invalidToken(): RegistrationException {
    return new RegistrationException(INVALID_TOKEN_MESSAGE, RegistrationExceptionCode.InvalidToken, 'token');
  }
}
