// WAI-ARIA tabs: click or arrow keys / Home / End move between tabs
// (automatic activation), one tab stop for the whole tab list.

/**
 * Wires the [data-tabs] tablist. Returns `select(name)`.
 * Other modules ask for a view by dispatching
 * `new CustomEvent('mqttlab:show', { detail: { tab: 'inspector' } })` on document.
 */
export function initTabs(root = document) {
  const list = root.querySelector('[data-tabs]');
  const tabs = () => [...list.querySelectorAll('[role="tab"]')];

  function select(name, focus = false) {
    for (const tab of tabs()) {
      const on = tab.dataset.tab === name;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      const panel = root.getElementById(tab.getAttribute('aria-controls'));
      if (panel) panel.hidden = !on;
      if (on && focus) tab.focus();
    }
  }

  list.addEventListener('click', (e) => {
    const tab = e.target.closest('[role="tab"]');
    if (tab) select(tab.dataset.tab);
  });

  list.addEventListener('keydown', (e) => {
    const all = tabs();
    const i = all.indexOf(e.target.closest('[role="tab"]'));
    if (i < 0) return;
    const next = {
      ArrowRight: (i + 1) % all.length,
      ArrowLeft: (i - 1 + all.length) % all.length,
      Home: 0,
      End: all.length - 1,
    }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(all[next].dataset.tab, true);
  });

  document.addEventListener('mqttlab:show', (e) => select(e.detail.tab));
  return select;
}
