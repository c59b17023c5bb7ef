/**
 * `flotilla-agent` command line: load the configuration, start the agent, stop cleanly on
 * SIGTERM/SIGINT. Exit codes: 0 stopped, 1 failed (e.g. registration refused, or the
 * leader-election lease lost), 2 bad configuration.
 */
import { startAgent } from './agent.js';
import { HELP, loadConfig } from './config.js';
import { AgentError, ErrorCode } from './errors.js';
import { createLogger } from './logger.js';

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`flotilla-agent: ${(error as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (!config) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const logger = createLogger({ level: config.logLevel });
  const abort = new AbortController();
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'agent: stopping');
      abort.abort(new Error(`received ${signal}`));
      void (agent?.stop() ?? Promise.resolve()).then(resolve);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  try {
    agent = await startAgent(config, { logger, signal: abort.signal });
  } catch (error) {
    if (error instanceof AgentError && error.code === ErrorCode.Aborted) return 0;
    logger.fatal({ err: error }, error instanceof Error ? error.message : 'agent failed to start');
    process.stderr.write(`flotilla-agent: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof AgentError &&
      (error.code === ErrorCode.NoCredential || error.code === ErrorCode.InvalidConfig)
      ? 2
      : 1;
  }
  if (abort.signal.aborted) {
    await agent.stop();
    return 0;
  }
  // Losing the lease ends the process (as client-go's OnStoppedLeading does): the restarted
  // process stands by until it holds the lease again.
  const lost = await Promise.race([
    stopped.then(() => undefined),
    agent.leadershipLost ?? new Promise<never>(() => {}),
  ]);
  if (lost === undefined) return 0;
  process.stderr.write(`flotilla-agent: lost the leader-election lease (${lost}); exiting\n`);
  await agent.stop();
  return 1;
}

process.exitCode = await main();
