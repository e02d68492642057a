// Small adapters over browser APIs that may be missing or throw (private mode, sandboxed frames).

const memory = {};

/** localStorage when it works, memory for this page view when it does not. */
export const store = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return memory[key];
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      memory[key] = value;
    }
  },
};

/** A v4 uuid from getRandomValues, which (unlike crypto.randomUUID) works on http pages too. */
export const uuid = () => '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));

export function warn(...args) {
  console.warn('[fiilis]', ...args);
}

/**
 * Whether this page matches one of a prompt's page rules, sent as globs (collector/domain/pages.py;
 * the same cases are in tests/unit/page_rules.json): the path, + query if the glob holds `?`,
 * + fragment if `#`. Each piece between stars is found leftmost, which never backtracks.
 */
export const onPage = (pages, l = location) =>
  !pages ||
  pages.some((v) => {
    const t = l.pathname + (v.includes('?') ? l.search : '') + (v.includes('#') ? l.hash : '');
    const [a, ...r] = v.split('*');
    const z = r.pop();
    let i = a.length;
    return z == null ? t == v : t.startsWith(a) && r.every((s) => (i = t.indexOf(s, i) + s.length) >= s.length) && t.length - z.length >= i && t.endsWith(z);
  });
