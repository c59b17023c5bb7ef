/** Reads the hub relay's answer to one request: the accepted reply, or an AgentError saying why not. */
import type { Msg } from '@nats-io/transport-node';
import { RelayReply, describeZodError, type RelayAccepted } from '@flotilla/protocol';
import { AgentError, ErrorCode } from '../errors.js';

/** True when the relay refused for good (bad message): sending it again cannot help. */
export function isPermanentRefusal(error: unknown): boolean {
  return error instanceof AgentError && error.code === ErrorCode.RelayRefused && error.data['retryable'] === false;
}

export function readRelayReply(msg: Msg): RelayAccepted {
  let json: unknown;
  try {
    json = msg.json();
  } catch {
    throw new AgentError('the relay answered something that is not JSON', ErrorCode.InvalidRelayReply);
  }
  const parsed = RelayReply.safeParse(json);
  if (!parsed.success)
    throw new AgentError(
      `the relay answered an invalid reply: ${describeZodError(parsed.error)}`,
      ErrorCode.InvalidRelayReply,
    );
  const reply = parsed.data;
  if (!reply.ok)
    throw new AgentError(`the relay refused the message (${reply.code}): ${reply.error}`, ErrorCode.RelayRefused, {
      code: reply.code,
      retryable: reply.retryable,
    });
  return reply;
}
