// What `npm start` and `npm test` need on the machine, installed when it can be, and otherwise
// named exactly, with the command that gets it. Nothing here downloads from outside the npm
// registry and Debian's apt.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const say = (m) => console.error(`[setup] ${m}`);

export class MissingPrerequisite extends Error {}

function onPath(cmd) {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  return dirs.map((d) => join(d, cmd)).find((p) => existsSync(p));
}

export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    throw new MissingPrerequisite(
      `Node.js ${process.versions.node} is too old: Flotilla needs Node.js 20.19 or newer.`,
    );
  }
}

/** Runs `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureNodeModules(root) {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say('installing npm dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new MissingPrerequisite('`npm ci` failed; see the output above.');
}

function aptInstall(pkg) {
  if (process.getuid?.() !== 0) return false;
  say(`installing ${pkg} from Debian's apt…`);
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  if (update.status !== 0) return false;
  return (
    spawnSync('apt-get', ['install', '-y', '-qq', pkg], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0
  );
}

/** Returns the path of nats-server (Debian's package), installing it when root. */
export function ensureNatsServer() {
  const found = process.env.FLOTILLA_NATS_SERVER ?? onPath('nats-server');
  if (found) return found;
  if (aptInstall('nats-server')) return onPath('nats-server');
  throw new MissingPrerequisite('nats-server is missing. Install it with: sudo apt-get install -y nats-server');
}

export function ensureGit() {
  const found = onPath('git');
  if (found && onPath('git') && hasHttpBackend(found)) return found;
  if (aptInstall('git')) return onPath('git');
  throw new MissingPrerequisite('git (with git http-backend) is missing. Install it with: sudo apt-get install -y git');
}

/** Returns the path of Debian's Chromium (the dashboard's browser tests drive it), installing it when root. */
export function ensureChromium() {
  const found = process.env.FLOTILLA_CHROMIUM ?? onPath('chromium');
  if (found) return found;
  if (aptInstall('chromium')) return onPath('chromium');
  throw new MissingPrerequisite(
    'chromium is missing (the dashboard tests drive it). Install it with: sudo apt-get install -y chromium',
  );
}

/** Returns the path of GnuPG (the signed-commit tests sign commits with real gpg), installing it when root. */
export function ensureGnupg() {
  if (existsSync('/usr/bin/gpg')) return '/usr/bin/gpg';
  if (aptInstall('gnupg')) return '/usr/bin/gpg';
  throw new MissingPrerequisite(
    'gpg is missing (the signed-commit tests sign commits with it). Install it with: sudo apt-get install -y gnupg',
  );
}

function hasHttpBackend(git) {
  try {
    const execPath = execFileSync(git, ['--exec-path'], { encoding: 'utf8' }).trim();
    return existsSync(join(execPath, 'git-http-backend'));
  } catch {
    return false;
  }
}

/** Runs every check; prints what is missing and exits non-zero when something cannot be had. */
export async function ensurePrerequisites(
  root,
  { kubectl = false, helm = false, chromium = false, gnupg = false } = {},
) {
  try {
    checkNode();
    ensureNodeModules(root);
    const nats = ensureNatsServer();
    process.env.FLOTILLA_NATS_SERVER = nats;
    ensureGit();
    if (kubectl) {
      const { ensureKubectl } = await import('../setup-kubectl.mjs');
      process.env.FLOTILLA_KUBECTL = ensureKubectl();
    }
    if (helm) {
      const { ensureHelm } = await import('../setup-kubectl.mjs');
      process.env.FLOTILLA_HELM = ensureHelm();
    }
    if (chromium) process.env.FLOTILLA_CHROMIUM = ensureChromium();
    if (gnupg) ensureGnupg();
  } catch (err) {
    if (err instanceof MissingPrerequisite) {
      console.error(`\nFlotilla cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
