// The dashboard's few enhancements: the phone menu, copy buttons, the colour readout and the survey
// editor's live previews. Every page works without them; only the e-mail preview asks the
// collector for anything (the editor's form, posted to its frame, as its button does).
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

// One polite live region for short confirmations ("Copied").
const status = Object.assign(document.createElement('div'), { className: 'sr-only' });
status.setAttribute('role', 'status');
document.body.append(status);
const announce = (text) => {
  status.textContent = '';
  setTimeout(() => (status.textContent = text), 50);
};

function menu() {
  const toggle = $('[data-menu]');
  const nav = $('#nav');
  if (!toggle || !nav) return;
  toggle.setAttribute('role', 'button');
  toggle.setAttribute('aria-expanded', 'false');
  const set = (open) => {
    toggle.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('open', open);
  };
  toggle.addEventListener('click', (e) => {
    e.preventDefault();
    set(toggle.getAttribute('aria-expanded') !== 'true');
  });
  toggle.addEventListener('keydown', (e) => {
    if (e.key === ' ') {
      e.preventDefault();
      toggle.click();
    }
  });
  nav.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && nav.classList.contains('open')) {
      set(false);
      toggle.focus();
    }
  });
}

function copyButtons() {
  for (const button of $$('[data-copy]')) {
    const label = $('span', button);
    button.hidden = false;
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.dataset.copy);
      try {
        await navigator.clipboard.writeText(source.textContent);
        label.textContent = 'Copied';
        announce('Copied to the clipboard');
      } catch {
        // no clipboard permission: select the text so that Ctrl+C / ⌘C works
        getSelection().selectAllChildren(source);
        label.textContent = 'Press ⌘C';
        announce('Selected; press Control C or Command C to copy');
      }
      setTimeout(() => (label.textContent = 'Copy'), 2000);
    });
  }
}

function colourReadout() {
  for (const output of $$('[data-mirror]')) {
    const input = document.getElementById(output.dataset.mirror);
    input.addEventListener('input', () => (output.value = input.value));
  }
}

// Long filter forms start folded on phones; on wider screens they are always open.
function foldOnPhones() {
  const narrow = matchMedia('(max-width: 760px)');
  for (const box of $$('details[data-narrow-closed]')) {
    if (narrow.matches) box.open = false;
    narrow.addEventListener('change', () => (box.open = !narrow.matches));
  }
}

// The bulk bar: "select all on this page" and a count of what is selected. Without JavaScript
// each row's box still works; only the shortcut and the count are missing.
function bulkSelection() {
  const form = $('#bulk');
  if (!form) return;
  const boxes = $$('input[name="ids"][form="bulk"]');
  const all = $('[data-select-all]');
  const count = $('[data-selected-count]', form);
  const hint = count.textContent;
  const update = () => {
    const n = boxes.filter((b) => b.checked).length;
    count.textContent = n ? `${n} selected` : hint;
    all.checked = n === boxes.length;
    all.indeterminate = n > 0 && n < boxes.length;
  };
  all.hidden = false;
  all.addEventListener('change', () => {
    for (const box of boxes) box.checked = all.checked;
    update();
  });
  for (const box of boxes) box.addEventListener('change', update);
  update();
}

function focusFirstError() {
  const invalid = $('[aria-invalid="true"]');
  if (invalid) invalid.focus({ preventScroll: false });
}

function preview() {
  const stage = $('[data-preview]');
  const form = $('#survey-form');
  if (!stage || !form) return;
  const theme = JSON.parse(stage.dataset.theme || '{}');
  let card;
  let timer;

  const text = (name) => ((form.elements[name] && form.elements[name].value) || '').trim();
  const picked = (selector, fallback) => ($(selector) || { value: fallback }).value;

  const builtins = JSON.parse(stage.dataset.texts || '{}');
  const scaleBands = JSON.parse(stage.dataset.bands || '{}');
  const perLocale = (prefix, locale) => text(prefix + '_' + locale) || text(prefix + '_en');

  // The prompt the collector would send for this form: the same fields the card reads.
  function promptOf(locale, kind) {
    const own = (key) => text('text_' + locale + '_' + key);
    const builtin = (builtins[locale] || builtins.en || {})[kind] || {};
    const t = (key) => own(key) || builtin[key] || '';
    const followup = text('followup_' + locale) || text('followup_en') || t('followup');
    const byBand = {};
    for (const band of ['low', 'mid', 'high']) byBand[band] = text('band_' + band + '_' + locale) || followup;
    const choices = [];
    for (let i = 0; i < 8; i++) {
      const label = perLocale('reason_label_' + i, locale);
      if (label) choices.push({ id: text('reason_id_' + i) || String(i), label });
    }
    const bands = $$('input[name="reasons_bands"]:checked').map((b) => b.value);
    const multiple = form.elements.reasons_multiple && form.elements.reasons_multiple.checked;
    return {
      id: 'preview',
      token: '',
      kind,
      question: text('question_' + locale) || text('question_en') || 'Your question appears here.',
      followup,
      followup_by_band: byBand,
      scale: { low_label: t('low_label'), high_label: t('high_label'), bands: scaleBands[kind] },
      reasons: choices.length ? { multiple: !!multiple, bands: bands.length ? bands : null, choices } : null,
      texts: { close: t('close'), send: t('send'), skip: t('skip'), thanks: t('thanks'), placeholder: t('placeholder') },
      delay_ms: 0,
      locale,
      theme: { ...theme, position: 'bottom-right' },
    };
  }

  let renders = 0;
  async function render() {
    const widget = window.fiilis;
    if (!widget || !widget.preview) return;
    const locale = picked('input[name="preview_locale"]:checked', 'en');
    const kind = picked('input[name="kind"]:checked', Object.keys(scaleBands)[0] || 'csat');
    const band = picked('input[name="preview_band"]:checked', '');
    const prompt = promptOf(locale, kind);
    if (card && card.close) card.close();
    stage.replaceChildren();
    const turn = ++renders;
    // the widget fetches its card file the first time: a newer render may have started meanwhile
    const next = await widget.preview(prompt, { container: stage });
    if (turn !== renders) return next && next.close();
    card = next;
    if (!card) return;
    // After a score in the band picked: the card as it then reads (the preview sends nothing).
    const ends = band && prompt.scale.bands && prompt.scale.bands[band];
    if (ends && card.host) {
      const radio = [...card.host.shadowRoot.querySelectorAll('[role=radio]')].find((r) => Number(r.textContent) === ends[0]);
      if (radio) radio.click();
    }
  }

  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(render, 250);
  };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
  for (const radio of $$('input[name="preview_locale"], input[name="preview_band"]')) radio.addEventListener('change', render);
  const restart = $('[data-preview-restart]');
  restart.hidden = false;
  restart.addEventListener('click', render);
  if (window.fiilis) render();
  else addEventListener('load', render, { once: true });
}

function mailPreview() {
  const button = $('[data-mail-preview]');
  const form = $('#survey-form');
  if (!button || !form) return;
  let frame = $('iframe.mail-preview-frame');
  let pending = null;
  let timer;
  let count = 0;
  // Each refresh loads into a new frame: a first load replaces the blank page, so the tab's
  // history does not grow with every keystroke. The old frame stays until the new one is there.
  function refresh() {
    if (pending) pending.remove();
    const next = frame.cloneNode(false);
    next.removeAttribute('src');
    next.name = 'mail-preview-' + ++count;
    next.hidden = true;
    frame.after(next);
    pending = next;
    button.formTarget = next.name;
    form.requestSubmit(button);
    next.addEventListener('load', () => {
      if (pending !== next) return;
      frame.remove();
      next.hidden = false;
      frame = next;
      pending = null;
    });
  }
  const later = (e) => {
    if (e.target === button) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
}

menu();
copyButtons();
colourReadout();
foldOnPhones();
bulkSelection();
focusFirstError();
preview();
mailPreview();
