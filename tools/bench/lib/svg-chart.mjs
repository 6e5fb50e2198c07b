// A horizontal bar chart as plain SVG text (no dependencies): groups of bars, one bar per tool, a linear
// seconds axis, the value printed at the end of each bar.

const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round axis step giving about `ticks` ticks up to `max`. */
function niceStep(max, ticks) {
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/**
 * groups: [{ label, bars: [{ series, seconds, note? }] }]; series: [{ name, color }] (legend order).
 * Returns the SVG document.
 */
export function barChartSvg({ title, subtitle, groups, series, unit = 's' }) {
  const width = 960;
  const labelWidth = 250;
  const valueRoom = 150;
  const barHeight = 16;
  const barGap = 3;
  const groupGap = 16;
  const top = subtitle ? 92 : 72;
  const plotWidth = width - labelWidth - valueRoom;
  const max = Math.max(1, ...groups.flatMap((group) => group.bars.map((bar) => bar.seconds ?? 0)));
  const step = niceStep(max, 6);
  const axisMax = Math.ceil(max / step) * step;
  const x = (value) => labelWidth + (value / axisMax) * plotWidth;
  const colorOf = Object.fromEntries(series.map((entry) => [entry.name, entry.color]));

  const parts = [];
  let y = top;
  for (const group of groups) {
    const height = group.bars.length * (barHeight + barGap) - barGap;
    parts.push(`<text x="${labelWidth - 10}" y="${y + height / 2 + 4}" text-anchor="end" class="group">${escapeXml(group.label)}</text>`);
    for (const bar of group.bars) {
      const w = Math.max(1, x(bar.seconds ?? 0) - labelWidth);
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${colorOf[bar.series] ?? '#888'}"><title>${escapeXml(`${group.label} — ${bar.series}: ${(bar.seconds ?? 0).toFixed(1)} ${unit}`)}</title></rect>`);
      const value = `${(bar.seconds ?? 0).toFixed(bar.seconds < 10 ? 1 : 0)} ${unit}${bar.note ? ` · ${bar.note}` : ''}`;
      parts.push(`<text x="${(labelWidth + w + 5).toFixed(1)}" y="${y + barHeight - 4}" class="value">${escapeXml(value)}</text>`);
      y += barHeight + barGap;
    }
    y += groupGap - barGap;
  }
  const plotBottom = y - groupGap + barGap + 6;
  const axis = [];
  for (let tick = 0; tick <= axisMax + 1e-9; tick += step) {
    const tx = x(tick).toFixed(1);
    axis.push(`<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${plotBottom}" class="grid"/>`);
    axis.push(`<text x="${tx}" y="${plotBottom + 16}" text-anchor="middle" class="tick">${Number(tick.toFixed(6))}</text>`);
  }
  const legend = series
    .map((entry, index) => {
      const lx = labelWidth + index * 175;
      return `<rect x="${lx}" y="${top - 34}" width="12" height="12" fill="${entry.color}"/><text x="${lx + 17}" y="${top - 24}" class="legend">${escapeXml(entry.name)}</text>`;
    })
    .join('');
  const height = plotBottom + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>.title{font-size:17px;font-weight:bold}.subtitle{font-size:12px;fill:#555}.group{font-size:12px}.value{font-size:11px;fill:#333}.tick{font-size:11px;fill:#555}.legend{font-size:12px}.grid{stroke:#ddd;stroke-width:1}.axis-label{font-size:12px;fill:#555}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="16" y="26" class="title">${escapeXml(title)}</text>`,
    subtitle ? `<text x="16" y="46" class="subtitle">${escapeXml(subtitle)}</text>` : '',
    legend,
    ...axis,
    ...parts,
    `<text x="${labelWidth + plotWidth / 2}" y="${plotBottom + 34}" text-anchor="middle" class="axis-label">wall-clock seconds (lower is better)</text>`,
    '</svg>',
    '',
  ].join('\n');
}
