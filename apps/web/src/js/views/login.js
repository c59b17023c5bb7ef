// Login: the user pastes an API token; it is checked with the `me` query before it is kept.
import { errorBox, h, replace } from '../dom.js';

/** @param {{ message?: string, onToken: (token: string) => Promise<void> }} opts */
export function renderLogin({ message, onToken }) {
  const input = h('input', {
    id: 'token',
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    required: true,
    placeholder: 'API token',
    'aria-label': 'API token',
  });
  const status = h('div', { class: 'login-status' }, message ? h('p', { class: 'muted', text: message }) : null);
  const button = h('button', { type: 'submit', class: 'primary', text: 'Log in' });
  const form = h(
    'form',
    {
      class: 'login card',
      onsubmit: async (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        button.disabled = true;
        replace(status);
        try {
          await onToken(input.value.trim());
        } catch (err) {
          replace(status, errorBox(err));
          button.disabled = false;
        }
      },
    },
    h('h1', null, h('img', { src: '/assets/favicon.svg', alt: '', width: 28, height: 28 }), 'Flotilla'),
    h('p', {
      class: 'muted',
      text: 'Log in with an API token (viewer, operator or admin). It is kept only for this browser tab.',
    }),
    input,
    button,
    status,
  );
  return h('div', { class: 'login-page' }, form);
}
