// Built-in strings; the collector sends the question, the follow-up and normally the end labels,
// these are for everything else. One line per locale, in this order:
// close | send | skip | thanks | comment placeholder | CSAT low | CSAT high | CES low | CES high | NPS low | NPS high
const TEXT = {
  en: 'Close|Send|Skip|Thank you for your feedback!|Tell us more (optional)|Very dissatisfied|Very satisfied|Strongly disagree|Strongly agree|Not likely|Very likely',
  fi: 'Sulje|Lähetä|Ohita|Kiitos palautteestasi!|Kerro lisää (vapaaehtoinen)|Erittäin tyytymätön|Erittäin tyytyväinen|Täysin eri mieltä|Täysin samaa mieltä|Ei lainkaan todennäköistä|Erittäin todennäköistä',
  sv: 'Stäng|Skicka|Hoppa över|Tack för din feedback!|Berätta mer (valfritt)|Mycket missnöjd|Mycket nöjd|Instämmer inte alls|Instämmer helt|Inte alls troligt|Mycket troligt',
};

/** The first of the given language tags we have strings for ("fi-FI" → "fi"), else "en". */
export function resolveLocale(...tags) {
  for (const tag of tags) {
    const lang = String(tag || '').toLowerCase().split(/[-_]/)[0];
    if (TEXT[lang]) return lang;
  }
  return 'en';
}

/** The strings of a locale we have; per kind, [low end label, high end label]. */
export function strings(locale) {
  const [close, send, skip, thanks, placeholder, ...ends] = TEXT[locale].split('|');
  return { close, send, skip, thanks, placeholder, csat: ends.slice(0, 2), ces: ends.slice(2, 4), nps: ends.slice(4) };
}
