// The dashboard's entry point: login gate, top navigation and a small hash router
// (#/fleet, #/clusters/<name>, #/rollouts, #/rollouts/<id>, #/tokens, #/audit).
/* global document, location, window */
import { errorBox, h, replace } from './dom.js';
import { forget, login, storedToken } from './session.js';
import { renderLogin } from './views/login.js';

/** Each route: a nav label (or null), the role needed, and the view module (loaded on first use). */
const ROUTES = [
  { path: 'fleet', label: 'Fleet', need: 'VIEWER', load: () => import('./views/fleet.js') },
  { path: 'clusters', label: null, need: 'VIEWER', load: () => import('./views/cluster.js') },
  { path: 'rollouts', label: 'Rollouts', need: 'VIEWER', load: () => import('./views/rollouts.js') },
  { path: 'tokens', label: 'Registration tokens', need: 'ADMIN', load: () => import('./views/tokens.js') },
  { path: 'audit', label: 'Audit log', need: 'ADMIN', load: () => import('./views/audit.js') },
];

const view = /** @type {HTMLElement} */ (document.getElementById('view'));
/** @type {import('./session.js').Session | undefined} */
let session;
/** @type {(() => void) | undefined} */
let disposeView;

function logout(message) {
  session?.api.close();
  session = undefined;
  forget();
  document.getElementById('topbar').hidden = true;
  showLogin(message);
}

function showLogin(message) {
  disposeView?.();
  disposeView = undefined;
  replace(view, renderLogin({ message, onToken: start }));
}

/** Logs in with a token, then shows the page the URL names. */
async function start(token) {
  session = await login(token, () => logout('Your API token is no longer accepted. Log in again.'));
  replace(
    document.getElementById('whoami'),
    h('span', { class: 'who-name', text: session.me.name }),
    h('span', { class: `role role-${session.me.role.toLowerCase()}`, text: session.me.role.toLowerCase() }),
  );
  document.getElementById('topbar').hidden = false;
  await route();
}

function renderNav(current) {
  const links = ROUTES.filter((r) => r.label && session?.can(r.need)).map((r) =>
    h('a', {
      href: `#/${r.path}`,
      class: r.path === current || (current === 'clusters' && r.path === 'fleet') ? 'active' : null,
      text: r.label,
    }),
  );
  replace(document.getElementById('nav'), links);
}

async function route() {
  if (!session) return;
  const [path = 'fleet', ...rest] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const r = ROUTES.find((x) => x.path === path) ?? ROUTES[0];
  renderNav(r.path);
  disposeView?.();
  disposeView = undefined;
  if (!session.can(r.need))
    return replace(
      view,
      errorBox(`This page needs the ${r.need.toLowerCase()} role; your token has ${session.me.role.toLowerCase()}.`),
    );
  try {
    const mod = await r.load();
    const page = await mod.render({ session, params: rest, navigate: (hash) => (location.hash = hash) });
    replace(view, page.el);
    disposeView = page.dispose;
  } catch (err) {
    replace(view, errorBox(err));
  }
}

window.addEventListener('hashchange', () => void route());
document.getElementById('logout').addEventListener('click', () => logout('Logged out.'));

const saved = storedToken();
if (saved) start(saved).catch(() => logout('Your saved API token was not accepted. Log in again.'));
else showLogin();
