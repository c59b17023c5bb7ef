/**
 * The Node options the agent is started with (bin/flotilla-agent.mjs carries them in its
 * shebang; launchers that run `node <bin>` pass these). While the agent loads, V8's young
 * generation grows to its full two 16 MiB semi-spaces and keeps them: an idle agent then sat at
 * 97–104 MiB RSS. With 4 MiB semi-spaces it sits at 80–85 MiB idle and about 95–100 MiB with
 * 1,000 objects, and bench:agent shows no cost to a 1,000-object apply or a cold render.
 */
export const AGENT_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=4'];
