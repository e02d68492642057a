// The card's stylesheet (the build minifies it).
// Everything on :host is !important: for important declarations the shadow tree beats the page,
// so no page CSS can move, hide or restyle the card. `all: initial` stops inherited styles
// (font, color, line-height…) leaking in; custom properties pass through it, so a page may still
// set --fiilis-* on the host element. Sizes are px, never rem: the page owns the root font size.
export const CSS = `
:host {
  all: initial !important;
  display: block !important;
  position: fixed !important;
  z-index: 2147483000 !important;
  inset: auto 20px 20px auto !important;
}
:host([data-pos^=top]) { top: 20px !important; bottom: auto !important }
:host([data-pos$=left]) { left: 20px !important; right: auto !important }
* { box-sizing: border-box }

.c {
  --a:var(--fiilis-accent,var(--ta,#4f46e5));
  --af:var(--fiilis-accent-fg,var(--tf,#fff));
  --o:var(--fiilis-ring,var(--to,#4f46e5));
  --ln:#0f172a24;
  --hv:#0f172a0a;
  position: relative;
  width: 384px;
  padding: 16px;
  background: var(--fiilis-bg, #fff);
  color: var(--fiilis-fg, #0f172a);
  border: 1px solid var(--ln);
  border-radius: var(--fiilis-radius,var(--tr,12px));
  box-shadow: 0 16px 40px -12px #0f172a47;
  font: 14px/1.45 var(--fiilis-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);
  animation: in .25s cubic-bezier(.2, .9, .3, 1);
}
:host([data-dark]) .c {
  --ln:#ffffff24;
  --hv:#ffffff12;
  --o:var(--fiilis-ring,var(--tod,#f4f4f5));
  background: var(--fiilis-bg, #1c1c21);
  color: var(--fiilis-fg, #f4f4f5);
  box-shadow: 0 18px 44px -12px #000000b3;
}
@keyframes in { from { opacity: 0; transform: translateY(10px) } }
@media (prefers-reduced-motion: reduce) { .c { animation: none } }

h2 { margin: 0 0 12px; margin-inline-end: 28px; font-size: 15px; font-weight: 600; line-height: 1.35 }
button, textarea {
  margin: 0;
  font: inherit;
  color: inherit;
  background: none;
  border: 1px solid var(--ln);
  border-radius: 8px;
}
button { font-weight: 500; cursor: pointer }
button:hover { background: var(--hv) }
:focus-visible { outline: 2px solid var(--o); outline-offset: 2px }

.x { position: absolute; top: 10px; inset-inline-end: 10px; width: 28px; height: 28px; padding: 0; border: 0; font: 300 22px/1 sans-serif; opacity: .7 }
.x:hover { opacity: 1 }

.s { display: flex; flex-wrap: wrap; gap: 6px }
.n { gap: 4px }
.s button { flex: 1; height: 38px; padding: 0; font-variant-numeric: tabular-nums }
.n button { height: 34px }
.s button:hover { border-color: var(--a) }
/* the reasons: toggles that wrap, pressed ones in the accent */
.r { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 8px }
.r button { min-height: 32px; padding: 4px 12px; border-radius: 16px }
[hidden] { display: none !important }
.p, [aria-checked=true], [aria-pressed=true] { background: var(--a) !important; border-color: var(--a); color: var(--af) }
/* the picked score stands out from the card even when the accent does not (3:1) */
[aria-checked=true] { box-shadow: 0 0 0 2px var(--o) }
.p:disabled { opacity: .5; cursor: default }
.k { margin: 4px 0 0; font-size: 12px; text-align: end }
.k:empty { display: none }
.l { display: flex; justify-content: space-between; gap: 16px; margin-top: 8px; font-size: 12px; line-height: 1.3; opacity: .64 }
.l :last-child { text-align: end }

textarea { display: block; width: 100%; min-height: 84px; padding: 8px 10px; resize: vertical }
textarea:focus-visible { outline-offset: -1px }
textarea::placeholder { color: inherit; opacity: .5 }
.f { margin: 16px 0 8px; font-weight: 500 }
/* Send comes first in the tab order, right after the comment box, and sits rightmost */
.a { display: flex; flex-direction: row-reverse; gap: 8px; margin-top: 12px }
.a button { height: 34px; padding: 0 14px }

.ok { display: flex; align-items: center; gap: 12px; margin: -2px 0; margin-inline-end: 28px; font-weight: 500 }
.ok:before {
  content: "\\2713";
  display: grid;
  place-items: center;
  flex: none;
  width: 24px;
  height: 24px;
  border-radius: 50%;
  background: var(--a);
  color: var(--af);
  font-size: 13px;
}

/* phones: a bottom sheet with 44 px tap targets; NPS wraps into rows of six and five */
@media (max-width: 479.98px) {
  :host([data-pos]) { inset: auto 0 0 !important }
  .c { width: 100%; padding: 20px 16px max(16px, env(safe-area-inset-bottom)); border-width: 1px 0 0; border-radius: 16px 16px 0 0 }
  .s button, .a button { height: 44px }
  .r button { min-height: 44px }
  textarea { font-size: 16px } /* iOS zooms into a smaller field */
  .n { justify-content: center }
  .n button { flex: 0 0 calc((100% - 20px)/6) }
  .x { top: 6px; inset-inline-end: 6px; width: 44px; height: 44px }
}
/* preview inside a page element (the dashboard) */
:host([data-inline]) { position: relative !important; inset: auto !important; z-index: auto !important }
`;
