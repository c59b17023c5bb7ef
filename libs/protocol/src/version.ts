/** The wire protocol version. Bump the major when a message changes incompatibly. */
export const PROTOCOL_VERSION = 1 as const;
