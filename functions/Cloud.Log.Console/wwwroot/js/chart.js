// A small SVG line chart over time: no library, served with the console.
import { s, h } from './dom.js';

/**
 * series: [{ name, cls, points: [{t, v}] }]. Returns a <figure> with the chart, its axes' extremes and a
 * legend. `format` prints a y value.
 */
export function lineChart(series, { width = 640, height = 180, format = v => String(v), title = '' } = {}) {
  const pad = { l: 56, r: 12, t: 10, b: 22 };
  const all = series.flatMap(x => x.points);
  const figure = h('figure', { class: 'chart' }, title ? h('figcaption', {}, title) : null);
  if (all.length === 0) {
    figure.append(h('p', { class: 'muted' }, 'Collecting samples…'));
    return figure;
  }
  const t0 = Math.min(...all.map(p => p.t));
  const t1 = Math.max(...all.map(p => p.t), t0 + 1000);
  const vMax = Math.max(...all.map(p => p.v), 1);
  const x = t => pad.l + ((t - t0) / (t1 - t0)) * (width - pad.l - pad.r);
  const y = v => height - pad.b - (v / vMax) * (height - pad.t - pad.b);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title || 'chart' },
    s('line', { x1: pad.l, y1: y(0), x2: width - pad.r, y2: y(0), class: 'axis' }),
    s('line', { x1: pad.l, y1: pad.t, x2: pad.l, y2: y(0), class: 'axis' }),
    s('text', { x: pad.l - 6, y: pad.t + 8, 'text-anchor': 'end', class: 'tick' }, format(vMax)),
    s('text', { x: pad.l - 6, y: y(0), 'text-anchor': 'end', class: 'tick' }, format(0)),
    s('text', { x: pad.l, y: height - 4, class: 'tick' }, new Date(t0).toISOString().slice(11, 19)),
    s('text', { x: width - pad.r, y: height - 4, 'text-anchor': 'end', class: 'tick' }, new Date(t1).toISOString().slice(11, 19)),
    series.map(x2 => s('polyline', {
      class: `line ${x2.cls ?? ''}`,
      points: x2.points.map(p => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' '),
    })));
  figure.append(svg, h('div', { class: 'legend' }, series.map(x2 => h('span', { class: `key ${x2.cls ?? ''}` },
    `${x2.name}: ${x2.points.length ? format(x2.points[x2.points.length - 1].v) : '—'}`))));
  return figure;
}
