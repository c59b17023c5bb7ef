// Tiny DOM helpers. Text always goes in as text nodes (never innerHTML), so data from the API
// cannot inject markup.
/* global document, Node */

/**
 * Creates an element. `attrs`: `class`, `text`, `on<event>` handlers, `dataset`, boolean and
 * string attributes; children may be nodes, strings, numbers, arrays, or null/false (skipped).
 * @param {string} tag
 * @param {Record<string, any> | null} [attrs]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** @param {Node} parent @param {any[]} children */
function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `el`. @param {Element} el @param {...any} children */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A table from column headers and rows of cells; `empty` is shown when there are no rows. */
export function table(headers, rows, empty = 'Nothing yet.') {
  if (rows.length === 0) return h('p', { class: 'empty', text: empty });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((t) => h('th', { text: t })),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
}

/** A coloured status pill; `kind` picks the colour (see .pill-* in app.css). */
export function pill(text, kind) {
  return h('span', { class: `pill pill-${kind}`, text });
}

/** An error box naming what went wrong. @param {unknown} err */
export function errorBox(err) {
  return h('div', { class: 'error', role: 'alert', text: err instanceof Error ? err.message : String(err) });
}
