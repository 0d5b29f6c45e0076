/**
 * @module
 * The section tabs, as the ARIA tabs pattern has them: arrow keys, Home and
 * End move between tabs, one tab stop for the list, and the address's
 * fragment (`#try`, `#runs`, `#docs`, `#agent`) names the tab shown, so
 * `/docs` and `/playground` can lead straight to one and Back works.
 */

/**
 * @param {{ onShow: (name: string) => void }} options
 */
export function createTabs({ onShow }) {
  const tabs = /** @type {HTMLButtonElement[]} */ ([...document.querySelectorAll('[role="tab"]')]);
  const names = tabs.map((tab) => tab.id.replace(/^tab-/, ''));
  let shown = '';

  /** @param {string} name @param {boolean} [focus] */
  const select = (name, focus = false) => {
    if (!names.includes(name)) name = names[0] ?? '';
    tabs.forEach((tab, index) => {
      const selected = names[index] === name;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(tab.getAttribute('aria-controls') ?? '');
      if (panel) panel.hidden = !selected;
      if (selected && focus) tab.focus();
    });
    if (name !== shown) {
      shown = name;
      onShow(name);
    }
  };
  /** @param {string} name */
  const go = (name) => {
    if (location.hash !== `#${name}`) history.pushState(null, '', `#${name}`);
    select(name);
  };

  tabs.forEach((tab, index) => {
    tab.addEventListener('click', () => go(names[index] ?? ''));
    tab.addEventListener('keydown', (event) => {
      const last = tabs.length - 1;
      const target = { ArrowRight: index === last ? 0 : index + 1, ArrowLeft: index === 0 ? last : index - 1, Home: 0, End: last }[event.key];
      if (target === undefined) return;
      event.preventDefault();
      const name = names[target] ?? '';
      history.replaceState(null, '', `#${name}`);
      select(name, true);
    });
  });
  window.addEventListener('hashchange', () => select(location.hash.slice(1)));
  window.addEventListener('popstate', () => select(location.hash.slice(1)));
  select(location.hash.slice(1));
  return {
    /** @param {string} name */
    show: go,
    get shown() {
      return shown;
    },
  };
}
