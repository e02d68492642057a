// The card's own file, loaded by the loader when a prompt arrives (pages without a survey never
// fetch it). It hands its parts to the loader that fetched it, which is window.fiilis by then.
import { onPage } from './browser.js';
import { mountCard } from './card.js';

window.fiilis.card = { mountCard, onPage };
