// Accessible inline SVG charts, no libraries. Every chart is a <figure> with a caption,
// an SVG that names itself (role="img", <title>, <desc> summarising the data) and the
// table it is drawn from, so screen-reader and keyboard users get the same numbers.
import { h, svg, tableWrap } from './lib.js';

// Series colours: each has a contrast of at least 4.5:1 on white; series are also told
// apart by the legend text and the table.
export const COLOURS = ['#0e5a4c', '#8a4b00', '#3b4fa0', '#9b2f5b'];

let counter = 0;
const uid = (p) => `${p}-${++counter}`;

// Charts are drawn for about the width they will be shown at, so that their text, scaled
// with the drawing, stays near its CSS size: a fixed 720-unit drawing shown 300 px wide
// on a phone would shrink 12 px labels to 5 px. Below 480 units, bar charts put each
// category's label above its bars instead of beside them.
export function drawingWidth(viewport = typeof window === 'undefined' ? 1280 : window.innerWidth) {
  return Math.round(Math.min(720, Math.max(300, viewport - 80)));
}

/** A table: columns [{label, value(row) -> string|number|Node, numeric?}], rows. */
export function dataTable(caption, columns, rows, attrs = {}) {
  return tableWrap(caption, h('table', attrs,
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.label)))),
    h('tbody', {}, rows.length
      ? rows.map((r) => h('tr', {}, columns.map((c, i) => (i === 0
        ? h('th', { scope: 'row' }, c.value(r))
        : h('td', { class: c.numeric ? 'num' : undefined }, c.value(r))))))
      : h('tr', {}, h('td', { colspan: String(columns.length), class: 'muted' }, 'No data for these filters.')))));
}

function figure(caption, chart, table, open) {
  return h('figure', { class: 'chart' },
    h('figcaption', {}, caption),
    chart,
    h('details', { open: open || undefined }, h('summary', {}, 'Data table'), table));
}

/**
 * Horizontal bars: one group per category, one bar per series (values 0..max).
 * opts: {caption, categories: [label], series: [{name, values: [number|null]}], max, format(v)}
 */
export function barChart(opts) {
  const { caption, categories, series, format } = opts;
  const max = opts.max || Math.max(1e-9, ...series.flatMap((s) => s.values.map((v) => v || 0)));
  const width = opts.width || drawingWidth();
  const narrow = width < 480;
  // Narrow: the label on its own line above the bars, which take the whole width.
  const labelW = narrow ? 0 : Math.min(250, Math.round(width * 0.35)), labelLine = narrow ? 18 : 0;
  const barH = 16, gap = 6, groupGap = 14, plotW = width - labelW - 56;
  const groupH = labelLine + series.length * (barH + 2) + groupGap;
  const legendStep = Math.min(190, Math.floor((width - labelW) / Math.max(1, series.length)));
  const legendH = series.length > 1 ? 24 : 0;
  const height = Math.max(40, legendH + categories.length * groupH + gap);
  const titleId = uid('t'), descId = uid('d');
  const summary = categories.map((c, i) => `${c}: ${series.map((s) => `${s.name} ${format(s.values[i])}`).join(', ')}`).join('; ');
  const nodes = [svg('title', { id: titleId }, caption), svg('desc', { id: descId }, summary || 'No data.')];
  if (series.length > 1) {
    series.forEach((s, si) => {
      nodes.push(svg('rect', { x: labelW + si * legendStep, y: 4, width: 12, height: 12, fill: COLOURS[si % COLOURS.length] }));
      nodes.push(svg('text', { x: labelW + si * legendStep + 18, y: 15, class: 'chart-text' }, s.name));
    });
  }
  const maxChars = narrow ? Math.floor(width / 7) : 36;
  categories.forEach((c, ci) => {
    const y0 = legendH + ci * groupH + gap;
    const label = c.length > maxChars ? c.slice(0, maxChars - 1) + '…' : c;
    if (narrow) nodes.push(svg('text', { x: 0, y: y0 + 12, class: 'chart-text' }, label));
    else {
      nodes.push(svg('text', { x: labelW - 8, y: y0 + (series.length * (barH + 2)) / 2 + 4, 'text-anchor': 'end', class: 'chart-text' },
        label));
    }
    series.forEach((s, si) => {
      const v = s.values[ci];
      const w = v === null || v === undefined ? 0 : Math.max(1, (Math.min(v, max) / max) * plotW);
      const y = y0 + labelLine + si * (barH + 2);
      nodes.push(svg('rect', { x: labelW, y, width: plotW, height: barH, class: 'chart-track' }));
      if (w) nodes.push(svg('rect', { x: labelW, y, width: w, height: barH, fill: COLOURS[si % COLOURS.length] }));
      nodes.push(svg('text', { x: labelW + plotW + 6, y: y + barH - 4, class: 'chart-text' }, format(v)));
    });
  });
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, class: 'chart-svg' }, nodes);
  const table = dataTable(caption, [{ label: opts.categoryLabel || 'Category', value: (r) => r.label },
    ...series.map((s, si) => ({ label: s.name, numeric: true, value: (r) => format(r.values[si]) }))],
  categories.map((label, i) => ({ label, values: series.map((s) => s.values[i]) })));
  return figure(caption, chart, table, opts.open);
}

/**
 * Vertical columns over a sequence (days, score bins): one series.
 * opts: {caption, labels: [string], values: [number], format(v), axisLabel, every (label every N columns)}
 */
export function columnChart(opts) {
  const { caption, labels, values, format } = opts;
  const width = opts.width || Math.min(640, drawingWidth()), height = 200, left = 40, bottom = 36, top = 10;
  const plotW = width - left - 22, plotH = height - bottom - top;  // room for the last label
  const max = Math.max(1, ...values);
  const colW = plotW / Math.max(1, values.length);
  const titleId = uid('t'), descId = uid('d');
  const total = values.reduce((a, b) => a + b, 0);
  const peak = values.indexOf(Math.max(...values));
  const desc = values.length ? `${values.length} ${opts.axisLabel || 'columns'}, total ${format(total)}, highest ${format(values[peak])} on ${labels[peak]}.` : 'No data.';
  const nodes = [svg('title', { id: titleId }, caption), svg('desc', { id: descId }, desc),
    svg('line', { x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, class: 'chart-axis' }),
    svg('text', { x: left - 6, y: top + 10, 'text-anchor': 'end', class: 'chart-text small' }, format(max)),
    svg('text', { x: left - 6, y: top + plotH, 'text-anchor': 'end', class: 'chart-text small' }, '0')];
  // At most one label per 55 units of width (10 on a wide screen, 4 on a phone); opts.every
  // asks for more space between them, never less.
  const every = Math.max(opts.every || 1, Math.ceil(values.length / Math.max(3, Math.floor(plotW / 55))));
  values.forEach((v, i) => {
    const hgt = (v / max) * plotH;
    const x = left + i * colW;
    if (v) nodes.push(svg('rect', { x: x + colW * 0.1, y: top + plotH - hgt, width: Math.max(1, colW * 0.8), height: hgt, fill: COLOURS[0] }));
    if (i % every === 0) nodes.push(svg('text', { x: x + colW / 2, y: height - bottom + 16, 'text-anchor': 'middle', class: 'chart-text small' }, labels[i]));
  });
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, class: 'chart-svg' }, nodes);
  const table = dataTable(caption, [{ label: opts.labelHeading || 'Label', value: (r) => r.label },
    { label: opts.valueHeading || 'Value', numeric: true, value: (r) => format(r.value) }],
  labels.map((label, i) => ({ label, value: values[i] })));
  return figure(caption, chart, table, opts.open);
}
