/** Command line of the demo repository's process (repo-server-main.ts), built and parsed in one place. */
import { z } from 'zod';

const RepoServerArgs = z.object({
  root: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65_535),
  helm: z.boolean(),
});
export type RepoServerArgs = z.infer<typeof RepoServerArgs>;

export function repoServerArgv(args: RepoServerArgs): string[] {
  return ['--root', args.root, '--port', String(args.port), ...(args.helm ? ['--helm'] : [])];
}

export function parseRepoServerArgs(argv: string[]): RepoServerArgs {
  const raw: Record<string, unknown> = { helm: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--helm') raw.helm = true;
    else if (flag === '--root' || flag === '--port') raw[flag.slice(2)] = argv[++i];
    else throw new Error(`unknown argument ${flag}`);
  }
  const parsed = RepoServerArgs.safeParse(raw);
  if (!parsed.success)
    throw new Error(`bad arguments: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
