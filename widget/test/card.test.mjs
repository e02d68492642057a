// The card as a person meets it, rendered by the built bundle's preview (no network).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { key, openPage, PROMPT, tick } from './page.mjs';

const pages = [];
after(() => Promise.all(pages.map((p) => p.close())));

async function preview(prompt, options) {
  const page = openPage(options);
  pages.push(page);
  const handle = await page.window.fiilis.preview(prompt);
  const root = handle.host.shadowRoot;
  return { ...page, handle, root, radios: [...root.querySelectorAll('[role=radio]')] };
}

test('the scale is a radiogroup of radios named by the question, one per point of the kind', async () => {
  for (const [kind, count, first] of [['csat', 5, '1'], ['ces', 7, '1'], ['nps', 11, '0']]) {
    const { root, radios } = await preview({ ...PROMPT, kind, scale: undefined });
    const group = root.querySelector('[role=radiogroup]');
    assert.ok(group, kind);
    assert.equal(radios.length, count, kind);
    assert.equal(radios[0].textContent, first);
    assert.ok(radios.every((r) => r.tagName === 'BUTTON' && r.getAttribute('aria-checked') === 'false'));
    const labelledBy = root.getElementById(group.getAttribute('aria-labelledby'));
    assert.equal(labelledBy.tagName, 'H2');
    assert.equal(labelledBy.textContent, PROMPT.question);
  }
});

test("a survey's own scale is drawn: CES on 1–5 has five radios", async () => {
  const { radios } = await preview({ ...PROMPT, kind: 'ces', scale: { min: 1, max: 5 } });
  assert.deepEqual(radios.map((r) => r.textContent), ['1', '2', '3', '4', '5']);
});

test('only one radio is in the tab order', async () => {
  const { radios } = await preview(PROMPT);
  assert.deepEqual(radios.map((r) => r.getAttribute('tabindex')), ['0', ...Array(10).fill('-1')]);
});

test('arrow keys move focus along the scale and wrap; Home and End jump to the ends', async () => {
  const { root, radios } = await preview({ ...PROMPT, kind: 'csat', scale: { min: 1, max: 5 } });
  radios[0].focus();
  key(radios[0], 'ArrowRight');
  assert.equal(root.activeElement, radios[1]);
  assert.equal(radios[1].getAttribute('tabindex'), '0');
  assert.equal(radios[0].getAttribute('tabindex'), '-1');
  key(radios[1], 'ArrowDown');
  assert.equal(root.activeElement, radios[2]);
  key(radios[2], 'ArrowUp');
  key(radios[1], 'ArrowLeft');
  assert.equal(root.activeElement, radios[0]);
  key(radios[0], 'ArrowLeft');
  assert.equal(root.activeElement, radios[4], 'wraps to the end');
  key(radios[4], 'Home');
  assert.equal(root.activeElement, radios[0]);
  key(radios[0], 'End');
  assert.equal(root.activeElement, radios[4]);
  assert.ok(radios.every((r) => r.getAttribute('aria-checked') === 'false'), 'moving does not pick a score');
});

test('in a right-to-left page the left arrow moves forward', async () => {
  const { root, radios } = await preview(PROMPT, { dir: 'rtl' });
  assert.equal(root.querySelector('.c').getAttribute('dir'), 'rtl');
  radios[0].focus();
  key(radios[0], 'ArrowLeft');
  assert.equal(root.activeElement, radios[1]);
  key(radios[1], 'ArrowRight');
  assert.equal(root.activeElement, radios[0]);
});

test('Enter picks the focused score; the follow-up of its band appears under the scale', async () => {
  const { root, radios } = await preview(PROMPT);
  radios[8].focus();
  const event = key(radios[8], 'Enter');
  assert.ok(event.defaultPrevented);
  assert.equal(radios[8].getAttribute('aria-checked'), 'true');
  const text = root.querySelector('textarea');
  assert.equal(text.getAttribute('maxlength'), null, 'a maxlength would cut a pasted text silently');
  assert.equal(root.getElementById(text.getAttribute('aria-labelledby')).textContent, 'What would make it a 10?');
  assert.equal(root.activeElement, radios[8], 'focus stays put; the comment box is the next Tab stop');
  const focusable = [...root.querySelectorAll('button, textarea')].filter((el) => el.getAttribute('tabindex') !== '-1');
  assert.deepEqual(
    focusable.slice(focusable.indexOf(radios[8])).map((el) => el.textContent || el.tagName),
    ['8', 'TEXTAREA', 'Send', 'Skip'],
  );
});

test('another score before Send replaces the first, and the question follows its band', async () => {
  const { root, radios } = await preview(PROMPT);
  radios[2].click();
  assert.equal(root.getElementById('f').textContent, 'What went wrong?');
  radios[9].click();
  assert.deepEqual(radios.map((r) => r.getAttribute('aria-checked')).filter((c) => c === 'true'), ['true']);
  assert.equal(radios[9].getAttribute('aria-checked'), 'true');
  assert.deepEqual(radios.map((r) => r.getAttribute('tabindex')).filter((t) => t === '0').length, 1);
  assert.equal(root.getElementById('f').textContent, 'What do you like most?');
  assert.equal(root.getElementById('f').getAttribute('aria-live'), 'polite', 'the new question is announced');
  assert.equal(root.querySelectorAll('textarea').length, 1);
});

test('a band without a follow-up of its own asks the plain one', async () => {
  const { root, radios } = await preview({ ...PROMPT, followup_by_band: { low: 'What went wrong?' } });
  radios[10].click();
  assert.equal(root.getElementById('f').textContent, PROMPT.followup);
});

const REASONS = {
  multiple: false,
  bands: null,
  choices: [
    { id: 'price', label: 'Price' },
    { id: 'speed', label: 'Speed' },
    { id: 'support', label: 'Support' },
  ],
};

test('reasons are toggle buttons in a group named by the follow-up question; one at a time unless multiple', async () => {
  const { root, radios } = await preview({ ...PROMPT, reasons: REASONS });
  assert.equal(root.querySelector('[role=group]'), null, 'not before a score');
  radios[3].click();
  const group = root.querySelector('[role=group]');
  assert.equal(root.getElementById(group.getAttribute('aria-labelledby')).textContent, 'What went wrong?');
  const toggles = [...group.querySelectorAll('button')];
  assert.deepEqual(toggles.map((b) => [b.textContent, b.getAttribute('aria-pressed')]), [
    ['Price', 'false'],
    ['Speed', 'false'],
    ['Support', 'false'],
  ]);
  toggles[0].click();
  toggles[2].click();
  assert.deepEqual(toggles.map((b) => b.getAttribute('aria-pressed')), ['false', 'false', 'true']);
  toggles[2].click();
  assert.deepEqual(toggles.map((b) => b.getAttribute('aria-pressed')), ['false', 'false', 'false']);

  const many = await preview({ ...PROMPT, reasons: { ...REASONS, multiple: true } });
  many.radios[3].click();
  const more = [...many.root.querySelectorAll('[role=group] button')];
  more[0].click();
  more[1].click();
  assert.deepEqual(more.map((b) => b.getAttribute('aria-pressed')), ['true', 'true', 'false']);
});

test('reasons for some bands only hide after a score in another band, and forget what was pressed', async () => {
  const { root, radios } = await preview({ ...PROMPT, reasons: { ...REASONS, bands: ['low'] } });
  radios[9].click();
  assert.equal(root.querySelector('[role=group]').hidden, true);
  radios[1].click();
  const group = root.querySelector('[role=group]');
  assert.equal(group.hidden, false);
  group.querySelector('button').click();
  radios[10].click();
  assert.equal(group.hidden, true);
  assert.equal(group.querySelector('button').getAttribute('aria-pressed'), 'false');
});

test('Space picks a score too', async () => {
  const { root, radios } = await preview(PROMPT);
  radios[3].focus();
  key(radios[3], ' ');
  assert.ok(root.querySelector('textarea'));
});

test('prompt text is shown as text, never parsed as markup', async () => {
  const evil = '<img src=x onerror="window.pwned=1">';
  const { root, window } = await preview({ ...PROMPT, question: evil, scale: { low_label: '<b>low</b>', high_label: 'high' } });
  assert.equal(root.querySelector('h2').textContent, evil);
  assert.equal(root.querySelector('img'), null);
  assert.equal(root.querySelector('b'), null);
  assert.equal(root.querySelector('.l span').textContent, '<b>low</b>');
  assert.equal(window.pwned, undefined);
});

test('the card never takes focus when it appears', async () => {
  const { document, handle } = await preview(PROMPT);
  const search = document.getElementById('search');
  search.focus();
  const { window } = handle.host.ownerDocument.defaultView;
  await window.fiilis.preview(PROMPT);
  assert.equal(document.activeElement, search);
});

test('the question is announced: the visible heading is a polite live region, its text set anew once shown', async () => {
  const { root } = await preview(PROMPT);
  const live = root.querySelector('[aria-live=polite]');
  const heading = live.querySelector('h2');
  assert.equal(heading.textContent, PROMPT.question);
  const first = heading.firstChild;
  await tick(150);
  assert.notEqual(heading.firstChild, first, 'a new text node: a change the screen reader speaks');
  assert.equal(heading.textContent, PROMPT.question);
  assert.equal(root.textContent.split(PROMPT.question).length, 2, 'the question is in the card once');
});

test('end labels sit under the scale: low first, high last, described on the end radios', async () => {
  const { root, radios } = await preview(PROMPT);
  const [low, high] = root.querySelectorAll('.l span');
  assert.deepEqual([low.textContent, high.textContent], ['Not likely', 'Very likely']);
  assert.equal(root.getElementById(radios[0].getAttribute('aria-describedby')), low);
  assert.equal(root.getElementById(radios[10].getAttribute('aria-describedby')), high);
});

test("every string comes with the prompt: none of the card's own", async () => {
  const texts = { close: 'Schließen', send: 'Senden', skip: 'Überspringen', thanks: 'Danke!', placeholder: 'Mehr erzählen' };
  const de = await preview({ ...PROMPT, locale: 'de', texts, scale: { ...PROMPT.scale, low_label: 'Unwahrscheinlich', high_label: 'Sehr wahrscheinlich' } });
  assert.equal(de.root.querySelector('.x').getAttribute('aria-label'), 'Schließen');
  assert.equal(de.root.querySelector('.l span').textContent, 'Unwahrscheinlich');
  assert.equal(de.root.querySelector('.c').getAttribute('lang'), 'de');
  de.radios[5].click();
  assert.equal(de.root.querySelector('textarea').getAttribute('placeholder'), 'Mehr erzählen');
  assert.deepEqual([...de.root.querySelectorAll('.a button')].map((b) => b.textContent), ['Senden', 'Überspringen']);
});

test('the theme sets the corner, the mode, the accent and the colours the collector computed for it', async () => {
  const theme = { accent: '#fde047', accent_text: '#111111', ring: '#0f172a', ring_dark: '#fde047', position: 'top-left', mode: 'dark', radius: 4 };
  const { handle, root } = await preview({ ...PROMPT, theme });
  assert.equal(handle.host.getAttribute('data-pos'), 'top-left');
  assert.ok(handle.host.hasAttribute('data-dark'));
  const card = root.querySelector('.c');
  assert.equal(card.style.getPropertyValue('--ta'), '#fde047');
  assert.equal(card.style.getPropertyValue('--tf'), '#111111', 'text on the accent, as sent');
  assert.equal(card.style.getPropertyValue('--to'), '#0f172a');
  assert.equal(card.style.getPropertyValue('--tod'), '#fde047');
  assert.equal(card.style.getPropertyValue('--tr'), '4px');
  const light = await preview({ ...PROMPT, theme: { mode: 'light' } });
  assert.equal(light.handle.host.getAttribute('data-pos'), 'bottom-right');
  assert.ok(!light.handle.host.hasAttribute('data-dark'));
  assert.equal(light.root.querySelector('.c').style.getPropertyValue('--tf'), '', 'the stylesheet default');
});

test('near the 2000 character limit a counter shows; past it Send waits and nothing is cut', async () => {
  const { root, radios } = await preview(PROMPT);
  radios[3].click();
  const text = root.querySelector('textarea');
  const count = root.querySelector('.k');
  const send = root.querySelector('.p');
  const type = (value) => {
    text.value = value;
    text.dispatchEvent(new text.ownerDocument.defaultView.Event('input'));
  };
  type('a'.repeat(1500));
  assert.equal(count.textContent, '');
  type('a'.repeat(1950));
  assert.equal(count.textContent, '1950 / 2000');
  assert.equal(count.getAttribute('aria-live'), 'polite');
  assert.equal(send.disabled, false);
  type('a'.repeat(2100));
  assert.equal(text.value.length, 2100, 'the text stays as typed or pasted');
  assert.equal(count.textContent, '2100 / 2000');
  assert.equal(send.disabled, true);
  assert.ok(text.hasAttribute('aria-invalid'));
  type('a'.repeat(2000));
  assert.equal(send.disabled, false);
  assert.ok(!text.hasAttribute('aria-invalid'));
});

test('styles are adopted by the shadow root, resisting the page CSS', async () => {
  const { root } = await preview(PROMPT);
  assert.equal(root.adoptedStyleSheets.length, 1);
  const css = [...root.adoptedStyleSheets[0].cssRules].map((r) => r.cssText).join('\n');
  assert.match(css, /all: initial !important/);
  assert.match(css, /z-index: 2147483000 !important/);
  assert.equal(root.querySelector('style'), null);
});

test('without constructable stylesheets a <style> carries the script nonce', async () => {
  const { root } = await preview(PROMPT, {
    attrs: { 'data-site-key': 'pk_test', nonce: 'r4nd0m' },
    before: (window) => {
      window.CSSStyleSheet = undefined;
    },
  });
  const style = root.querySelector('style');
  assert.ok(style);
  assert.equal(style.getAttribute('nonce'), 'r4nd0m');
  assert.match(style.textContent, /:host\{all:initial!important/);
  assert.match(style.textContent, /@media\s*\(prefers-reduced-motion:\s*reduce\)\s*\{\s*\.c\s*\{\s*animation:\s*none/);
  assert.match(style.textContent, /@media\s*\(max-width:\s*479/, 'a bottom sheet on phones');
});

test('Send with a comment, then thanks, then the card closes by itself', async () => {
  const { root, radios, handle } = await preview(PROMPT);
  radios[9].click();
  root.querySelector('textarea').value = 'Fast invoicing';
  root.querySelector('.p').click();
  assert.equal(root.querySelector('[aria-live]').textContent, 'Thank you for your feedback!', 'the thanks is announced');
  assert.equal(root.querySelector('[role=radiogroup]'), null);
  assert.equal(root.querySelector('textarea'), null);
  await tick(3100);
  assert.equal(handle.host.isConnected, false);
});

test('preview into a container renders inline', async () => {
  const page = openPage();
  pages.push(page);
  const box = page.document.createElement('div');
  page.document.body.append(box);
  const handle = await page.window.fiilis.preview(PROMPT, { container: box });
  assert.equal(handle.host.parentNode, box);
  assert.ok(handle.host.hasAttribute('data-inline'));
  assert.deepEqual(page.calls.filter((c) => c.path !== '/v1/widget/session'), [], 'a preview sends nothing');
  handle.close();
  assert.equal(box.children.length, 0);
});
