// The loader: one script tag, an optional queue stub, then `fiilis(...)` calls and `fiilis.*` methods.
// Nothing here may throw into the host page: calls resolve to values and problems become warnings.
// The card is its own file (card-file.js), fetched the first time a prompt arrives.
import { store, uuid, warn } from './browser.js';
import { findScript, readConfig } from './config.js';
import { createOutbox, request, warnRefused } from './net.js';

const script = findScript(document, document.currentScript); // currentScript is set only while this file first runs

function start() {
  const stub = window.fiilis;
  if (stub?.version) return; // loaded twice: the first copy stays in charge

  const config = readConfig(script, location.href);
  const { host, siteKey } = config;
  const anonKey = 'fiilis:anon:' + siteKey;
  // The event of a tracked link or form button whose page went away before its prompt could show:
  // the next page view (same origin, within CARRY_MS) sends it again, and the collector hands back
  // the prompt it opened for it. Cleared once that prompt shows or the answer says there is none.
  const carryKey = 'fiilis:t:' + siteKey;
  const CARRY_MS = 600e3;
  // who is asking, by the names the collector reads (with traits once identify gives them)
  const user = { user_id: config.userId, user_hash: config.userHash, locale: config.locale };
  // An anonymous visitor's session answer is always empty (backends trigger prompts for user ids
  // only): once the collector has accepted this site and origin, later page views skip it for a day.
  const sessionKey = 'fiilis:s:' + siteKey;
  const DAY = 864e5;
  let anonymousId = store.get(anonKey);
  if (!anonymousId) store.set(anonKey, (anonymousId = uuid()));
  const listeners = { response: [], shown: [], dismissed: [] };
  const outbox = createOutbox(host, siteKey);
  // A refusal that every call would get again (no key, a secret key, origin, unknown key, identity)
  // is said once; later calls resolve to the same error without a request.
  let dead = !siteKey
    ? warn('data-site-key is missing: copy the tag from the Install page') || { code: 'no_site_key' }
    : /^sk_/.test(siteKey) &&
      (warn('data-site-key is a secret key (sk_…): it must never be in a page. Rotate it and use the public key pk_…') || { code: 'secret_key' });
  let booted;
  let taken; // at most one prompt per page view
  let cardFile; // the card file's parts {mountCard, onPage}, once asked for
  // The page is navigating away (a tracked link or form): a prompt whose delay ends now is left to
  // the next page view, which carries the event; shown here, it would be marked shown unseen.
  let leaving;
  addEventListener('beforeunload', () => (leaving = 1));

  // Listeners run on their own task: a failing one is the page's error and cannot stop the card.
  const emit = (name, value) => listeners[name].forEach((cb) => setTimeout(cb, 0, value));

  // Session and events are reads: not queued. A prompt in the answer is shown after its delay.
  // `what` is session, track or show; the last two are events.
  async function ask(what, extra) {
    if (dead) return { prompt: null, error: dead };
    if (taken) return { prompt: null, reason: 'already_shown' };
    // the page goes with every call: surveys may ask on some pages only
    const body = { site_key: siteKey, ...user, anonymous_id: anonymousId, url: location.href, ...extra };
    const res = await request(host, 'POST', '/v1/widget/' + (what == 'session' ? what : 'events'), body);
    if (res.status !== 200) {
      const error = res.data?.error || { code: 'network_error' };
      warnRefused(what, res);
      if (res.status == 401 || res.status == 403) store.set(sessionKey, (dead = error) && '');
      return { prompt: null, error };
    }
    if (what == 'session' && !body.user_id) store.set(sessionKey, Date.now());
    const answer = res.data || { prompt: null };
    const { prompt } = answer;
    // an answer or dismissal still waiting in the queue means this prompt was already handled here
    const handled = prompt && outbox.items().some((i) => i.group === prompt.id && !i.path.endsWith('/shown'));
    if (!prompt && what == 'track') store.set(carryKey, '');
    if (prompt && !taken && !handled) {
      taken = true;
      const loaded = loadCard(); // fetched during the delay
      setTimeout(async () => {
        try {
          const card = await loaded;
          // A single-page app may have moved to a page the survey does not ask on: no card, and
          // the prompt stays pending for a page it does; this page view may still take another.
          // So it does when the card file could not load (blocked, or not the file its hash names).
          if (!card || !card.onPage(prompt.pages)) taken = 0;
          else leaving || open(prompt, card.mountCard);
        } catch (e) {
          warn(e);
        }
      }, prompt.delay_ms || 0);
    }
    return answer;
  }

  // The card file, next to this one, pinned by the integrity the build wrote in: loaded once.
  function loadCard() {
    return (cardFile =
      cardFile ||
      new Promise((resolve) => {
        const el = document.createElement('script');
        el.src = (script?.src || host + '/widget/').replace(/[^/]*$/, __CARD_FILE__);
        el.integrity = __CARD_SRI__;
        el.crossOrigin = 'anonymous';
        el.nonce = config.nonce || ''; // for a page whose CSP trusts its nonce
        el.onload = () => resolve(fiilis.card);
        el.onerror = () => resolve((cardFile = warn('the card did not load: ' + el.src))); // the next prompt tries again
        document.head.append(el);
      }));
  }

  const sendEvent = (event, props) => ask('track', { event: String(event), props });

  function open(prompt, mountCard, preview) {
    const { id, token } = prompt;
    const base = '/v1/widget/prompts/' + encodeURIComponent(id);
    const responseId = uuid(); // one per prompt: a resent score can never count twice
    // every write about the prompt carries its token
    const send = (method, path, body) => preview || outbox.add(method, path, { token, ...body }, id);
    const tell = (name, value) => preview || emit(name, value);
    preview || store.set(carryKey, '');
    let score;
    const card = mountCard(prompt, {
      nonce: config.nonce,
      container: preview?.container,
      // the first score is the answer; a changed one, the comment and the reasons patch it
      onScore(value, first) {
        score = value;
        if (first) send('POST', '/v1/widget/responses', { response_id: responseId, score, locale: prompt.locale || user.locale, url: location.href });
        else send('PATCH', '/v1/widget/responses/' + responseId, { score });
        tell('response', { prompt_id: id, score });
      },
      onComment(comment, reasons) {
        send('PATCH', '/v1/widget/responses/' + responseId, { comment: comment || undefined, reasons: reasons[0] ? reasons : undefined });
        tell('response', { prompt_id: id, score, comment, reasons });
      },
      onDismiss() {
        send('POST', base + '/dismissed');
        tell('dismissed', prompt);
      },
    });
    send('POST', base + '/shown');
    tell('shown', prompt);
    return card;
  }

  const methods = {
    identify(userId, options = {}) {
      user.user_id = userId == null ? undefined : String(userId);
      user.user_hash = options.userHash;
      user.traits = options.traits;
      user.locale = options.locale || user.locale;
      if (/^identity/.test(dead?.code)) dead = 0; // a new identity may pass
      // a signed-in user may have a prompt waiting that the backend triggered
      return booted && ask('session');
    },
    track(event, props) {
      store.set(carryKey, JSON.stringify([event, props, Date.now()]));
      return sendEvent(event, props);
    },
    show(surveyId) {
      return ask('show', { event: '$show', survey_id: surveyId });
    },
    reset() {
      user.user_id = user.user_hash = user.traits = undefined;
      store.set(anonKey, (anonymousId = uuid()));
    },
    on(name, cb) {
      if (!listeners[name]) return warn('no such event: ' + name);
      listeners[name].push(cb);
      return () => (listeners[name] = listeners[name].filter((f) => f !== cb));
    },
    /** Renders a prompt with no events (only the card file is fetched): the dashboard's preview. */
    async preview(prompt, options = {}) {
      const card = await loadCard();
      return card && open(prompt, card.mountCard, options);
    },
  };

  function fiilis(name, ...args) {
    try {
      return methods[name](...args);
    } catch (e) {
      warn(name, e);
    }
  }
  for (const name in methods) fiilis[name] = fiilis.bind(null, name);
  fiilis.version = __VERSION__;
  window.fiilis = fiilis;

  // Read before this page's own calls can set it, carried once. The write of the page before may
  // reach this one only after it started (the browser can give the new page another process): then
  // it comes as a storage event in the page's first seconds (later, it is another tab's event). So
  // an empty key is not written here: the browser drops a remote change to a key with a local write
  // in flight.
  const carried = store.get(carryKey);
  if (carried) store.set(carryKey, '');
  const carry = (value) => {
    try {
      const [event, props, at] = JSON.parse(value);
      if (Date.now() - at < CARRY_MS) sendEvent(event, props);
    } catch {
      // nothing carried over
    }
  };
  for (const args of stub?.q || []) fiilis(...args);
  booted = true;
  if (!dead) {
    if (user.user_id || !(Date.now() - store.get(sessionKey) < DAY)) ask('session');
    carry(carried);
    addEventListener('storage', (e) => e.key == carryKey && performance.now() < 5e3 && carry(e.newValue));
    outbox.retry();
    addEventListener('online', outbox.retry);
    addEventListener('pagehide', outbox.beacon);
  }
  // no-code trigger; capture phase, so the page stopping propagation does not hide the click
  document.addEventListener(
    'click',
    (e) => {
      const el = e.target.closest?.('[data-fiilis-track]');
      if (el) fiilis.track(el.getAttribute('data-fiilis-track'));
    },
    true,
  );
}

try {
  start();
} catch (e) {
  warn(e);
}
