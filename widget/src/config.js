// The embed tag is the configuration: <script src=… data-site-key data-user-id data-user-hash
// data-locale data-host nonce>. Plain functions over a script element, so tests can fake one.

/** The tag that loaded us: document.currentScript (captured at start), else the last fiilis script. */
export function findScript(doc, current) {
  return current || [...doc.querySelectorAll('script[src*="fiilis"]')].pop() || null;
}

/** Settings read from the tag; the API host defaults to the origin of the tag's own src. */
export function readConfig(script, baseHref) {
  const data = (name) => script?.getAttribute('data-' + name) || undefined;
  let host = data('host');
  if (!host) {
    try {
      host = new URL(script.getAttribute('src'), baseHref).origin;
    } catch {
      host = ''; // no usable src: talk to the page's own origin
    }
  }
  return {
    siteKey: data('site-key'),
    userId: data('user-id'),
    userHash: data('user-hash'),
    locale: data('locale'),
    host: host.replace(/\/+$/, ''),
    // browsers hide the nonce attribute once parsed, keeping the property; older Safari has only the attribute
    nonce: script?.nonce || script?.getAttribute('nonce') || undefined,
  };
}
