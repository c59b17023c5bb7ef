/** Entry point: validate the environment, start the control plane, stop cleanly on SIGINT/SIGTERM. */
import { createControlPlane } from './bootstrap.js';
import { ConfigError, loadConfig } from './config/load-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const cp = await createControlPlane(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    cp.logger.info({ signal }, 'stopping');
    cp.close().then(
      () => process.exit(0),
      (error: unknown) => {
        cp.logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`control plane failed to start: ${(error as Error).message}`);
  process.exit(1);
});
