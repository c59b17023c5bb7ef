/** Validates the environment once at boot and fails with every problem listed. */
import { ConfigSchema, ConfigShape, type ControlPlaneConfig } from './config.schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid control-plane configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): ControlPlaneConfig {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    // Name the key and the rule only: values may be secrets.
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return { ...result.data, AGENT_NATS_URL: result.data.AGENT_NATS_URL ?? result.data.NATS_URL };
}

/** Human-readable list of every key, for `--help` style output. */
export function describeConfig(): string {
  return Object.entries(ConfigShape)
    .map(([key, schema]) => `${key}: ${schema.description ?? ''}`)
    .join('\n');
}
