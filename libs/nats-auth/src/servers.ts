/**
 * A NATS URL setting may name several servers of one cluster, comma-separated
 * (`nats://n1:4222,nats://n2:4222`): the client starts with one and fails over to the others
 * (and to any the cluster announces).
 */
export function natsServers(url: string): string[] {
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) throw new Error('no NATS server URL given');
  for (const s of servers)
    if (!/^(nats|tls|ws|wss):\/\/[^\s/]+$/.test(s) && !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(s))
      throw new Error(`not a NATS server URL: ${JSON.stringify(s)} (nats://host:port or tls://host:port)`);
  return servers;
}
