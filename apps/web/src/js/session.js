// Who is logged in: the API token lives in sessionStorage (gone when the tab closes), and the
// role comes from the API's `me` query, so the views can offer only what the role allows.
/* global sessionStorage */
import { createApi } from './api.js';

const KEY = 'flotilla.token';
const RANK = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };

/** @typedef {{ api: ReturnType<typeof createApi>, me: { id: string, name: string, role: 'VIEWER' | 'OPERATOR' | 'ADMIN' }, can: (need: string) => boolean }} Session */

export const storedToken = () => sessionStorage.getItem(KEY);

export function forget() {
  sessionStorage.removeItem(KEY);
}

/**
 * Checks the token against the API; keeps it only when it works.
 * @param {string} token @param {() => void} onUnauthenticated
 * @returns {Promise<Session>}
 */
export async function login(token, onUnauthenticated) {
  // A token refused here is a failed login (the caller shows why), not a session that ended.
  let accepted = false;
  const api = createApi({ token, onUnauthenticated: () => accepted && onUnauthenticated() });
  const { me } = await api.gql('{ me { id name role } }');
  accepted = true;
  sessionStorage.setItem(KEY, token);
  return { api, me, can: (need) => RANK[me.role] >= RANK[need] };
}
