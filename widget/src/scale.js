// The answer scale of each kind: CSAT 1–5, CES 1–7 (agreement), NPS 0–10.
export const RANGES = { csat: [1, 5], ces: [1, 7], nps: [0, 10] };

/** Scale points and end labels of a prompt: the collector's labels, else the built-in ones. */
export function scaleOf(prompt, strings) {
  const kind = RANGES[prompt.kind] ? prompt.kind : 'csat';
  const [min, max] = RANGES[kind];
  const given = prompt.scale || {};
  const points = [];
  for (let v = min; v <= max; v++) points.push(v);
  return { points, low: given.low_label || strings[kind][0], high: given.high_label || strings[kind][1] };
}
