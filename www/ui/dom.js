// A tiny element builder. Text only ever enters the DOM as text nodes or
// attribute values, never as markup, so packet data cannot inject elements.

/**
 * h('li', { class: 'row', 'data-field': 3 }, 'name', child, ...)
 * Strings and numbers become text nodes; null/undefined/false are skipped;
 * arrays are flattened. Attributes go through setAttribute.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.append(c);
    else el.append(document.createTextNode(String(c)));
  }
}

/** Replaces all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}
