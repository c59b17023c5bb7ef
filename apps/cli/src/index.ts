// apps/cli: `flotilla`, the command line client of the control plane's GraphQL API.
export { run } from './cli.js';
export { ExitCode, CliError } from './errors.js';
export type { CliIo } from './command.js';
