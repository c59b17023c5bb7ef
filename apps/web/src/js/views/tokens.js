// Registration tokens: create one (its secret is shown once, here, and never again) and
// revoke the ones no longer needed. Admin only.
/* global navigator */
import { errorBox, h, pill, replace, table } from '../dom.js';
import { ago, when } from '../format.js';

const LIST = `{ registrationTokens { id name tags maxUses usedCount expiresAt revokedAt createdAt createdBy clusterName requireApproval } }`;
const CREATE = `mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { token registrationToken { id name } } }`;
const REVOKE = `mutation($id: ID!) { revokeRegistrationToken(id: $id) { id revokedAt } }`;
const EXPIRY = [
  ['1 hour', 3600],
  ['1 day', 86400],
  ['7 days', 604800],
  ['30 days', 2592000],
  ['1 year', 31536000],
];

/** @param {{ session: import('../session.js').Session }} ctx */
export async function render({ session }) {
  const { api } = session;
  const listEl = h('div');
  const secretEl = h('div');

  function stateOf(t) {
    if (t.revokedAt) return pill('revoked', 'off');
    if (new Date(t.expiresAt).getTime() < Date.now()) return pill('expired', 'off');
    if (t.usedCount >= t.maxUses) return pill('used up', 'idle');
    return pill('active', 'ok');
  }

  async function drawList() {
    const { registrationTokens } = await api.gql(LIST);
    const rows = registrationTokens.map((t) =>
      h(
        'tr',
        { dataset: { token: t.name } },
        h('td', null, h('strong', { text: t.name })),
        h(
          'td',
          null,
          t.tags.map((x) => h('span', { class: 'chip static', text: x })),
        ),
        h('td', { text: `${t.usedCount} / ${t.maxUses}` }),
        h('td', {
          text: [t.clusterName ? `only ${t.clusterName}` : 'any name', t.requireApproval ? 'approval required' : '']
            .filter(Boolean)
            .join(', '),
        }),
        h('td', { title: when(t.expiresAt), text: when(t.expiresAt) }),
        h('td', null, stateOf(t)),
        h('td', { class: 'muted', text: `${t.createdBy}, ${ago(t.createdAt)}` }),
        h(
          'td',
          null,
          t.revokedAt
            ? null
            : h('button', {
                type: 'button',
                class: 'danger small',
                text: 'Revoke',
                onclick: async () => {
                  try {
                    await api.gql(REVOKE, { id: t.id });
                    await drawList();
                  } catch (err) {
                    listEl.prepend(errorBox(err));
                  }
                },
              }),
        ),
      ),
    );
    replace(
      listEl,
      table(
        ['Name', 'Tags it grants', 'Used', 'Admits', 'Expires', 'State', 'Created', ''],
        rows,
        'No registration tokens yet.',
      ),
    );
  }

  const name = h('input', {
    name: 'name',
    required: true,
    maxlength: 100,
    placeholder: 'e.g. edge-eu rollout',
    'aria-label': 'Token name',
  });
  const tags = h('input', { name: 'tags', placeholder: 'canary, edge-eu', 'aria-label': 'Tags (comma-separated)' });
  const expires = h(
    'select',
    { name: 'expiresIn', 'aria-label': 'Expires in' },
    EXPIRY.map(([label, s]) => h('option', { value: s, selected: s === 86400, text: label })),
  );
  const maxUses = h('input', {
    name: 'maxUses',
    type: 'number',
    min: 1,
    max: 100000,
    value: 1,
    'aria-label': 'Max uses',
  });
  const clusterName = h('input', {
    name: 'clusterName',
    maxlength: 63,
    pattern: '[a-z0-9]([a-z0-9\\-]*[a-z0-9])?',
    placeholder: 'any',
    'aria-label': 'Only this cluster name',
  });
  const requireApproval = h('input', { name: 'requireApproval', type: 'checkbox', 'aria-label': 'Require approval' });
  const form = h(
    'form',
    {
      class: 'card form-row',
      onsubmit: async (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        /** @type {Record<string, unknown>} */
        const input = {
          name: name.value.trim(),
          tags: tags.value
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
          expiresIn: Number(expires.value),
          maxUses: Number(maxUses.value),
        };
        if (clusterName.value.trim()) input.clusterName = clusterName.value.trim();
        if (requireApproval.checked) input.requireApproval = true;
        try {
          const { createRegistrationToken: r } = await api.gql(CREATE, { input });
          const code = h('code', { class: 'secret', id: 'new-token-secret', text: r.token });
          replace(
            secretEl,
            h(
              'div',
              { class: 'card secret-card', role: 'status' },
              h('h2', { text: `Token "${r.registrationToken.name}" created` }),
              h('p', { text: 'Copy the secret now: it is shown only this once and stored only as a hash.' }),
              h(
                'div',
                { class: 'secret-row' },
                code,
                h('button', {
                  type: 'button',
                  class: 'ghost',
                  text: 'Copy',
                  onclick: () => void navigator.clipboard?.writeText(r.token),
                }),
              ),
            ),
          );
          form.reset();
          await drawList();
        } catch (err) {
          replace(secretEl, errorBox(err));
        }
      },
    },
    h('h2', { text: 'New registration token' }),
    h(
      'div',
      { class: 'fields' },
      h('label', null, 'Name', name),
      h('label', null, 'Tags', tags),
      h('label', null, 'Expires in', expires),
      h('label', null, 'Max uses', maxUses),
      h('label', null, 'Only cluster', clusterName),
      h('label', { class: 'check' }, requireApproval, 'Require approval'),
      h('button', { type: 'submit', class: 'primary', text: 'Create token' }),
    ),
  );
  await drawList();
  return {
    el: h(
      'section',
      null,
      h('div', { class: 'page-head' }, h('h1', { text: 'Registration tokens' })),
      form,
      secretEl,
      h('div', { class: 'card' }, listEl),
    ),
  };
}
