/**
 * The agent's HTTP calls to the control plane (register, renew): a JSON POST with a timeout,
 * whose answer is validated against its schema, and a check that a NATS JWT handed back is for
 * the agent's own key.
 */
import { decodeUserJwt } from '@flotilla/nats-auth';
import { describeZodError } from '@flotilla/protocol';
import type { ZodType } from 'zod';
import { AgentError, ErrorCode } from '../errors.js';

/** POSTs `body` as JSON; an unreachable hub (network error, timeout) is SERVER_UNAVAILABLE. */
export async function postJson(
  url: string,
  body: unknown,
  signal: AbortSignal,
  timeoutMs = 10_000,
): Promise<{ res: Response; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (error) {
    throw new AgentError(
      `cannot reach ${url}: ${(error as Error).message}`,
      ErrorCode.ServerUnavailable,
      { url },
      { cause: error },
    );
  }
  return { res, text: await res.text().catch(() => '') };
}

/** The answer parsed with its schema; `what` names it in errors ("registration response"). */
export function parseAnswer<T>(text: string, url: string, schema: ZodType<T>, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AgentError(`${url} answered with a body that is not JSON`, ErrorCode.InvalidRegistrationResponse);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new AgentError(
      `${url} answered with an invalid ${what}: ${describeZodError(parsed.error)}`,
      ErrorCode.InvalidRegistrationResponse,
    );
  return parsed.data;
}

/** Throws unless `jwt` is a NATS user JWT for `publicKey`; `what` names where it came from. */
export function assertJwtFor(jwt: string, publicKey: string, what: string): void {
  let subject: string;
  try {
    subject = decodeUserJwt(jwt).publicKey;
  } catch {
    throw new AgentError(
      `the ${what} carries a NATS JWT that cannot be decoded`,
      ErrorCode.InvalidRegistrationResponse,
    );
  }
  if (subject !== publicKey)
    throw new AgentError(
      `the ${what} carries a NATS JWT for another public key`,
      ErrorCode.InvalidRegistrationResponse,
    );
}
