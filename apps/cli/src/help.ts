/** Help text for the whole CLI, a command group, or one command. */
import { COMMON_FLAGS, type FlagSpecs } from './args.js';
import type { Command } from './command.js';

function flagLines(flags: FlagSpecs): string[] {
  const rows = Object.entries(flags).map(([name, f]) => {
    const short = f.short ? `-${f.short}, ` : '';
    const value = f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : '';
    const notes = [f.required ? 'required' : '', f.multiple ? 'repeatable' : ''].filter(Boolean).join(', ');
    return [`${short}--${name}${value}`, `${f.help}${notes ? ` (${notes})` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`);
}

export function commandHelp(c: Command): string {
  const positionals = c.positionals.map((p) => (p.required ? p.name : `[${p.name}]`)).join(' ');
  const lines = [`Usage: flotilla ${c.path.join(' ')}${positionals ? ` ${positionals}` : ''} [flags]`, '', c.summary];
  if (c.positionals.length)
    lines.push('', 'Arguments:', ...c.positionals.map((p) => `  ${p.name.padEnd(10)}  ${p.help}`));
  if (Object.keys(c.flags).length) lines.push('', 'Flags:', ...flagLines(c.flags));
  lines.push('', 'Global flags:', ...flagLines(COMMON_FLAGS));
  if (c.details) lines.push('', c.details);
  return lines.join('\n');
}

export function overviewHelp(commands: Command[], prefix: string[] = []): string {
  const shown = commands.filter((c) => prefix.every((w, i) => c.path[i] === w));
  const width = Math.max(...shown.map((c) => c.path.join(' ').length));
  return [
    `Usage: flotilla ${prefix.length ? prefix.join(' ') + ' ' : ''}<command> [flags]`,
    '',
    prefix.length ? 'Commands:' : 'flotilla: the command line client of a Flotilla control plane.\n\nCommands:',
    ...shown.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Run `flotilla <command> --help` for its flags.',
    'Exit codes: 0 ok, 1 failure, 2 bad usage or input, 3 not authenticated or not allowed, 4 not found.',
  ].join('\n');
}
