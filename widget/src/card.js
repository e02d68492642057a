// The card: a host element with an open shadow root, built with createElement and text nodes only
// (prompt text is data, never markup). It knows nothing of the network: it reports through callbacks.
// Every string it shows comes with the prompt, resolved by the collector for the prompt's locale.
import { bandOf, scaleOf } from './scale.js';
import { CSS } from './styles.js';

let sheet;

/** An element with attributes (none for a null or undefined value) and children; strings become text nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const name in attrs) if (attrs[name] != null) el.setAttribute(name, attrs[name]);
  el.append(...children);
  return el;
}

function adoptStyles(root, nonce) {
  try {
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch {
    // no constructable stylesheets: a <style> that a strict CSP admits through the script's nonce
    root.append(h('style', { nonce }, CSS));
  }
}

/** The collector's theme as custom properties that the stylesheet falls back to. The colours on
 * the accent come computed by the collector (WCAG contrast), so one rule serves every page. */
function applyTheme(card, theme) {
  const set = (name, value) => value && card.style.setProperty(name, value);
  set('--ta', theme.accent);
  set('--tf', theme.accent_text);
  set('--to', theme.ring);
  set('--tod', theme.ring_dark);
  if (theme.radius >= 0) set('--tr', theme.radius + 'px');
}

/**
 * Shows `prompt` and returns {host, close}. Options: container (preview inside an element), nonce,
 * and the callbacks onScore(score, first) (again when the score changes), onComment(text, reasons)
 * (the comment and the ids of the reasons picked, when there is either) and onDismiss() (closed
 * before a score).
 */
export function mountCard(prompt, options = {}) {
  const t = prompt.texts || {};
  const scale = scaleOf(prompt);
  const reasons = prompt.reasons;
  const theme = prompt.theme || {};
  const dark = theme.mode === 'dark' || (theme.mode !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches);

  const host = h('fiilis-widget', { 'data-pos': theme.position || 'bottom-right', 'data-dark': dark ? '' : null, 'data-inline': options.container ? '' : null });
  const root = host.attachShadow({ mode: 'open' });
  adoptStyles(root, options.nonce);

  // The visible headline is itself the live region (a hidden copy would say everything twice):
  // the question, then the thanks.
  const close = h('button', { class: 'x', 'aria-label': t.close }, '×');
  const asked = prompt.question || '';
  const question = h('h2', { id: 'q' }, asked);
  const live = h('div', { 'aria-live': 'polite' }, question);
  const rtl = document.documentElement.dir === 'rtl'; // document.dir
  const card = h('div', { class: 'c', role: 'region', 'aria-labelledby': 'q', lang: prompt.locale, dir: rtl ? 'rtl' : 'ltr' }, close, live);
  applyTheme(card, theme);
  root.append(card);

  let score; // none yet
  let timer;
  let returnTo;
  let ask; // the follow-up question, once a score is picked
  let chips; // the reasons' group
  let sent;
  const picked = new Set();
  host.addEventListener('focusin', (e) => (returnTo = returnTo || e.relatedTarget));

  const finish = () => {
    clearTimeout(timer);
    if (root.activeElement && returnTo?.isConnected) returnTo.focus();
    host.remove();
  };
  // The comment and the reasons go together, once: on Send, on Skip or on close.
  const flush = (comment) => {
    if (!sent && (comment || picked.size)) options.onComment(comment, [...picked]);
    sent = 1;
  };
  const dismiss = () => {
    if (score === undefined) host.isConnected && options.onDismiss();
    else flush();
    finish();
  };
  const thank = (comment) => {
    flush(comment);
    const inside = root.activeElement; // focus follows only a user who is already inside the card
    card.replaceChildren(close, live);
    live.replaceChildren(h('p', { id: 'q', class: 'ok' }, t.thanks));
    if (inside) close.focus();
    timer = setTimeout(finish, 3000);
  };

  // The reasons: toggle buttons in a group named by the follow-up question.
  const unpick = () => picked.clear() || toggles.forEach((o) => o.setAttribute('aria-pressed', false));
  const toggles =
    reasons &&
    reasons.choices.map(({ id, label }) => {
      const b = h('button', { 'aria-pressed': false }, label);
      b.onclick = () => {
        const on = !picked.has(id);
        if (!reasons.multiple) unpick();
        picked[on ? 'add' : 'delete'](id);
        b.setAttribute('aria-pressed', on);
      };
      return b;
    });

  // The first score goes at once and opens the follow-up under the scale; another pick before
  // Send goes too, and the question (and whether reasons show) follows its band. Focus stays
  // where the user left it: the reasons or the comment box are the next Tab stops, then Send.
  const choose = (value, radio) => {
    if (value === score) return;
    options.onScore(value, score === undefined);
    score = value;
    radios.forEach((r) => r.setAttribute('aria-checked', r === radio));
    rove(radio);
    const band = bandOf(prompt, value);
    if (!ask) {
      // No maxlength: it cuts a pasted text silently. Near the limit a counter shows; past it, Send waits.
      const text = h('textarea', { rows: 3, placeholder: t.placeholder, 'aria-labelledby': 'f' });
      const count = h('p', { class: 'k', 'aria-live': 'polite' });
      const send = h('button', { class: 'p' }, t.send);
      text.oninput = () => {
        const n = text.value.trim().length;
        count.textContent = n > 1800 ? n + ' / 2000' : '';
        text.toggleAttribute('aria-invalid', (send.disabled = n > 2000));
      };
      const skip = h('button', {}, t.skip);
      skip.onclick = () => thank();
      send.onclick = () => thank(text.value.trim());
      ask = h('p', { id: 'f', class: 'f', 'aria-live': 'polite' });
      chips = toggles ? h('div', { class: 'r', role: 'group', 'aria-labelledby': 'f' }, ...toggles) : '';
      card.append(ask, chips, text, count, h('div', { class: 'a' }, send, skip));
    }
    ask.textContent = prompt.followup_by_band?.[band] || prompt.followup || t.placeholder;
    // reasons for some bands only: hidden for another, and none stays picked
    if (chips && (chips.hidden = !!reasons.bands && !reasons.bands.includes(band))) unpick();
  };

  const last = scale.points.length - 1;
  // Roving tabindex: only one radio is in the Tab order, the picked or last focused one.
  const rove = (radio) => radios.forEach((r) => (r.tabIndex = r === radio ? 0 : -1)) || radio;
  const radios = scale.points.map((value, i) => {
    // the two ends are described by their labels
    const radio = h('button', { role: 'radio', 'aria-checked': false, tabindex: i ? -1 : 0, 'aria-describedby': i ? (i === last ? 'hi' : null) : 'lo' }, value);
    radio.onclick = () => choose(value, radio);
    return radio;
  });
  const group = h('div', { class: last > 6 ? 's n' : 's', role: 'radiogroup', 'aria-labelledby': 'q' }, ...radios);

  // Arrows only move focus: a picked score is sent, so picking takes Enter or Space.
  group.onkeydown = (e) => {
    const i = radios.indexOf(e.target);
    const d = rtl ? -1 : 1; // the right arrow points backward in a right-to-left card
    const j = { ArrowRight: i + d, ArrowLeft: i - d, ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: last }[e.key];
    if (e.key === 'Enter' || e.key === ' ') radios[i].onclick();
    else if (j === undefined) return;
    else rove(radios[(j + radios.length) % radios.length]).focus(); // wraps at the ends
    e.preventDefault();
  };

  close.onclick = dismiss;
  card.onkeydown = (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation(); // the page's own Escape handlers are not for us
      dismiss();
    }
  };

  card.append(group, h('div', { class: 'l', 'aria-hidden': true }, h('span', { id: 'lo' }, scale.low), h('span', { id: 'hi' }, scale.high)));
  (options.container || document.body).append(host);
  // A live region speaks only of changes made once it is in the page: set the same text anew.
  setTimeout(() => (question.textContent = asked), 100);
  return { host, close: finish };
}
