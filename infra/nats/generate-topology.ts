/**
 * infra/nats: the nats-server configs of the production topology (infra/TOPOLOGY.md) from the
 * trust chain that generate-secrets.ts wrote: a cluster of N servers (routes with a generated
 * password, clustered JetStream, a leafnode listener each) and, per edge site, a leaf node config
 * with the two `.creds` files its remotes present (a Flotilla-account user carrying only the
 * site's clusters, a system user carrying revocations).
 *
 *   node --import @swc-node/register/esm-register infra/nats/generate-topology.ts \
 *     --trust ./flotilla-secrets/trust.json --out ./flotilla-nats \
 *     --node nats-0@nats-0.nats.flotilla.svc --node nats-1@nats-1.nats.flotilla.svc --node nats-2@nats-2.nats.flotilla.svc \
 *     [--leaf edge-eu --leaf-clusters <id>,<id> --leaf-remote nats-edge.example.com:7422]
 *
 * Writes OUT/<node>.conf per server, and OUT/leaf-<site>.conf, OUT/leaf-<site>.creds and
 * OUT/leaf-<site>-system.creds (all 0600; the .creds and the route password are secrets).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { mintLeafCredentials, natsLeafConfig, natsServerConfig, type NatsTrust } from '@flotilla/nats-auth';

export interface TopologyNode {
  name: string;
  /** The address other servers and leaf nodes reach this one at. */
  host: string;
  port?: number;
  httpPort?: number;
  routePort?: number;
  leafPort?: number;
  storeDir?: string;
}

export interface TopologyLeaf {
  site: string;
  clusterIds: string[];
  /** `host:port` the leaf dials (default: every node's leafnode address). */
  remotes?: string[];
  port?: number;
  httpPort?: number;
}

export interface TopologyOptions {
  trust: NatsTrust;
  outDir: string;
  clusterName?: string;
  nodes: TopologyNode[];
  leaves?: TopologyLeaf[];
  /** Where servers listen (default 0.0.0.0). */
  listenHost?: string;
  /** The auth timeout of every server (seconds). */
  authTimeoutSeconds?: number;
}

export interface TopologyFiles {
  nodes: Record<string, string>;
  leaves: Record<string, { conf: string; creds: string; systemCreds: string }>;
}

const write = (path: string, text: string) => writeFileSync(path, text, { mode: 0o600 });

export async function generateNatsTopology(opts: TopologyOptions): Promise<TopologyFiles> {
  if (opts.nodes.length < 3) throw new Error('a NATS cluster for JetStream needs at least 3 nodes (--node, 3 or 5)');
  const names = new Set(opts.nodes.map((n) => n.name));
  if (names.size !== opts.nodes.length) throw new Error('node names must be unique');
  mkdirSync(opts.outDir, { recursive: true, mode: 0o700 });
  const routePassword = randomBytes(24).toString('base64url');
  const at = (n: TopologyNode) => ({
    port: n.port ?? 4222,
    httpPort: n.httpPort ?? 8222,
    routePort: n.routePort ?? 6222,
    leafPort: n.leafPort ?? 7422,
  });
  const files: TopologyFiles = { nodes: {}, leaves: {} };
  for (const node of opts.nodes) {
    const p = at(node);
    const conf = await natsServerConfig(opts.trust, {
      host: opts.listenHost ?? '0.0.0.0',
      port: p.port,
      httpPort: p.httpPort,
      storeDir: node.storeDir ?? '/data/jetstream',
      serverName: node.name,
      ...(opts.authTimeoutSeconds !== undefined ? { authTimeoutSeconds: opts.authTimeoutSeconds } : {}),
      cluster: {
        name: opts.clusterName ?? 'flotilla',
        port: p.routePort,
        routes: opts.nodes.filter((o) => o !== node).map((o) => `${o.host}:${at(o).routePort}`),
        routeUser: 'route',
        routePassword,
      },
      leafnodes: { port: p.leafPort, advertise: `${node.host}:${p.leafPort}` },
    });
    const path = join(opts.outDir, `${node.name}.conf`);
    write(path, conf);
    files.nodes[node.name] = path;
  }
  for (const leaf of opts.leaves ?? []) {
    const creds = await mintLeafCredentials(opts.trust, { site: leaf.site, clusterIds: leaf.clusterIds });
    const credsPath = join(opts.outDir, `leaf-${leaf.site}.creds`);
    const systemCredsPath = join(opts.outDir, `leaf-${leaf.site}-system.creds`);
    write(credsPath, creds.flotilla);
    write(systemCredsPath, creds.system);
    const urls = (leaf.remotes ?? opts.nodes.map((n) => `${n.host}:${at(n).leafPort}`)).map((r) => `nats-leaf://${r}`);
    const conf = await natsLeafConfig(opts.trust, {
      host: opts.listenHost ?? '0.0.0.0',
      port: leaf.port ?? 4222,
      httpPort: leaf.httpPort ?? 8222,
      serverName: `leaf-${leaf.site}`,
      ...(opts.authTimeoutSeconds !== undefined ? { authTimeoutSeconds: opts.authTimeoutSeconds } : {}),
      remotes: [
        { urls, credentialsPath: credsPath, account: 'flotilla' },
        { urls, credentialsPath: systemCredsPath, account: 'system' },
      ],
    });
    const confPath = join(opts.outDir, `leaf-${leaf.site}.conf`);
    write(confPath, conf);
    files.leaves[leaf.site] = { conf: confPath, creds: credsPath, systemCreds: systemCredsPath };
  }
  return files;
}

function readTrust(path: string): NatsTrust {
  const t = JSON.parse(readFileSync(path, 'utf8')) as Partial<NatsTrust>;
  if (!t.operatorSeed || !t.accountSeed || !t.systemAccountSeed)
    throw new Error(
      `${path} is not a trust.json from generate-secrets.ts (needs operatorSeed, accountSeed, systemAccountSeed)`,
    );
  return t as NatsTrust;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      trust: { type: 'string' },
      out: { type: 'string' },
      node: { type: 'string', multiple: true },
      leaf: { type: 'string' },
      'leaf-clusters': { type: 'string' },
      'leaf-remote': { type: 'string', multiple: true },
    },
    strict: true,
  });
  if (!values.trust || !values.out) throw new Error('--trust FILE and --out DIR are required');
  const nodes = (values.node ?? []).map((spec) => {
    const m = /^([A-Za-z0-9_-]+)@([A-Za-z0-9.-]+)$/.exec(spec);
    if (!m) throw new Error(`--node ${JSON.stringify(spec)}: NAME@HOST`);
    return { name: m[1]!, host: m[2]! };
  });
  if (values['leaf-clusters'] && !values.leaf) throw new Error('--leaf-clusters needs --leaf SITE');
  const leaves = values.leaf
    ? [
        {
          site: values.leaf,
          clusterIds: (values['leaf-clusters'] ?? '').split(',').filter(Boolean),
          ...(values['leaf-remote'] ? { remotes: values['leaf-remote'] } : {}),
        },
      ]
    : [];
  const files = await generateNatsTopology({ trust: readTrust(values.trust), outDir: values.out, nodes, leaves });
  console.log(
    `wrote ${[...Object.values(files.nodes), ...Object.values(files.leaves).flatMap((l) => [l.conf, l.creds, l.systemCreds])].join(', ')} (mode 0600)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`generate-topology: ${(error as Error).message}`);
    process.exit(2);
  });
}
