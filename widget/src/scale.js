// Each kind's default answer scale: CSAT 1–5, CES 1–7 (agreement), NPS 0–10. A survey may have
// another (CSAT or CES 1–5 / 1–7): the collector sends it as prompt.scale and that is drawn.
export const RANGES = { csat: [1, 5], ces: [1, 7], nps: [0, 10] };

const whole = (n) => Number.isInteger(n) && n >= 0 && n <= 10;

/** Scale points and end labels of a prompt: the collector's scale and labels, else the built-in ones. */
export function scaleOf(prompt, strings) {
  const kind = RANGES[prompt.kind] ? prompt.kind : 'csat';
  const given = prompt.scale || {};
  let [min, max] = RANGES[kind];
  if (whole(given.min) && whole(given.max) && given.min < given.max) [min, max] = [given.min, given.max];
  const points = [];
  for (let v = min; v <= max; v++) points.push(v);
  return { points, low: given.low_label || strings[kind][0], high: given.high_label || strings[kind][1] };
}
