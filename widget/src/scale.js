// Each kind's default answer scale: CSAT 1–5, CES 1–7 (agreement), NPS 0–10. A survey may have
// another (CSAT or CES 1–5 / 1–7): the collector sends it as prompt.scale and that is drawn, with
// its end labels and its bands.
export const RANGES = { csat: [1, 5], ces: [1, 7], nps: [0, 10] };

const whole = (n) => Number.isInteger(n) && n >= 0 && n <= 10;

/** Scale points and end labels of a prompt: the collector's scale, else the kind's default. */
export function scaleOf(prompt) {
  const given = prompt.scale || {};
  let [min, max] = RANGES[prompt.kind] || RANGES.csat;
  if (whole(given.min) && whole(given.max) && given.min < given.max) [min, max] = [given.min, given.max];
  const points = [];
  for (let v = min; v <= max; v++) points.push(v);
  return { points, low: given.low_label || '', high: given.high_label || '' };
}

/** The band (low, mid, high) a score falls in, as the collector's bands say; undefined without. */
export function bandOf(prompt, score) {
  const bands = prompt.scale?.bands || {};
  for (const band in bands) if (score >= bands[band][0] && score <= bands[band][1]) return band;
}
