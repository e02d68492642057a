// A host page for the built bundle: happy-dom, a script tag, a fake collector behind fetch.
import { readFileSync } from 'node:fs';
import { Window } from 'happy-dom';

export const BUNDLE = new URL('../../collector/static/widget/fiilis.js', import.meta.url);
const code = readFileSync(BUNDLE, 'utf8');
export const MANIFEST = JSON.parse(readFileSync(new URL('manifest.json', BUNDLE), 'utf8'));
const cardCode = readFileSync(new URL(MANIFEST.card.file, BUNDLE), 'utf8');

export const PROMPT = {
  id: 'prm_1',
  token: 'tok.1',
  kind: 'nps',
  question: 'How likely are you to recommend Acme?',
  followup: 'What is the main reason for your score?',
  followup_by_band: { low: 'What went wrong?', mid: 'What would make it a 10?', high: 'What do you like most?' },
  scale: { min: 0, max: 10, low_label: 'Not likely', high_label: 'Very likely', bands: { high: [9, 10], low: [0, 6], mid: [7, 8] } }, // as JSON sorts them
  reasons: null,
  texts: { close: 'Close', send: 'Send', skip: 'Skip', thanks: 'Thank you for your feedback!', placeholder: 'Tell us more (optional)' },
  delay_ms: 0,
  locale: 'en',
  theme: { accent: '#0ea5e9', position: 'bottom-left', mode: 'auto' },
};

/**
 * Opens a page. `answer(method, path, body)` returns [status, json] for each call (default 200
 * {prompt: null}); `attrs` are the script tag's attributes; `before(window)` runs before the bundle.
 */
export function openPage({ attrs = { 'data-site-key': 'pk_test' }, answer = () => [200, { prompt: null }], before, dir } = {}) {
  const window = new Window({
    url: 'https://app.acme.test/billing',
    width: 1280,
    height: 800,
    // scripts are not fetched but "load": the card's tag runs the committed card file (below)
    settings: { disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: true, disableCSSFileLoading: true },
  });
  const { document } = window;
  if (dir) document.documentElement.setAttribute('dir', dir);
  document.body.innerHTML = '<main><button id="pay" data-fiilis-track="invoice.paid">Pay</button><input id="search"></main>';
  const script = document.createElement('script');
  script.setAttribute('src', 'https://feedback.acme.test/widget/fiilis.js');
  for (const [name, value] of Object.entries(attrs)) script.setAttribute(name, value);
  document.head.append(script);

  // every script the widget adds: the card file runs when its tag goes in, as a browser would run it
  const scripts = [];
  const append = document.head.append.bind(document.head);
  document.head.append = (...nodes) => {
    for (const node of nodes) {
      if (node.tagName !== 'SCRIPT') continue;
      scripts.push({ src: node.src, integrity: node.integrity, crossOrigin: node.crossOrigin });
      if (node.src.endsWith('/' + MANIFEST.card.file)) window.eval(cardCode);
    }
    append(...nodes);
  };

  const calls = [];
  window.fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    const path = url.replace('https://feedback.acme.test', '');
    calls.push({ url, path, method: init.method, body, init });
    const [status, json] = answer(init.method, path, body) || [200, { prompt: null }];
    if (status === 0) throw new TypeError('Failed to fetch');
    return { status, headers: { get: () => null }, json: async () => (json === undefined ? Promise.reject(new SyntaxError('empty')) : json) };
  };
  const warnings = [];
  window.console.warn = (...args) => warnings.push(args.join(' '));
  if (before) before(window);
  const load = () => window.eval(code);
  load();
  const shadow = () => document.querySelector('fiilis-widget')?.shadowRoot;
  return { window, document, calls, scripts, warnings, load, shadow, close: () => window.happyDOM.abort().then(() => window.happyDOM.close()) };
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

export function key(target, name, extra = {}) {
  const event = new target.ownerDocument.defaultView.KeyboardEvent('keydown', { key: name, bubbles: true, composed: true, cancelable: true, ...extra });
  target.dispatchEvent(event);
  return event;
}
