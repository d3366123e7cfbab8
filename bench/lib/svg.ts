// A self-contained SVG bar chart of the ratios vs lru-cache: one band per workload, one horizontal
// bar per library (wasmcache, lru.min, Map) drawn from the 1.0x line (lru-cache) on a log2 scale,
// so "2x faster" and "2x slower" are the same length. Goals are ticks across their band, green
// when met, red when not.
import { BASELINE, type Lib, type Section, evaluate, fmtRatio, ratioVsBaseline } from './report.js';

const BARS: { lib: Lib; color: string }[] = [
  { lib: 'wasmcache', color: '#2563eb' },
  { lib: 'lru.min', color: '#f59e0b' },
  { lib: 'Map', color: '#9ca3af' },
];
const MET = '#16a34a';
const MISSED = '#dc2626';

const W = 1100;
const LABEL_W = 360;
const X0 = LABEL_W + 10;
const X1 = W - 70;
const BAR_H = 11;
const BAR_GAP = 2;
const BAND_PAD = 8;
const SECTION_H = 26;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Splits a label into lines of at most `max` chars at spaces. */
function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && (line + ' ' + word).length > max) {
      lines.push(line);
      line = word;
    } else line = line ? line + ' ' + word : word;
  }
  if (line) lines.push(line);
  return lines;
}

export function barChart(sections: readonly Section[], title: string, subtitle: string): string {
  const all = sections.flatMap((s) => s.rows);
  const charted = sections.map((s) => ({ s, rows: s.rows.filter((r) => !r.noChart) })).filter((x) => x.rows.length);

  // Domain: powers of two around every ratio and goal mark, within [1/64, 256].
  const values: number[] = [1];
  for (const r of all) {
    if (r.noChart) continue;
    for (const { lib } of BARS) {
      const v = ratioVsBaseline(r, lib);
      if (v !== undefined && Number.isFinite(v) && v > 0) values.push(v);
    }
    for (const g of r.goals ?? []) {
      const m = evaluate(g, r, all).mark;
      if (m !== undefined && Number.isFinite(m) && m > 0) values.push(m);
    }
  }
  // Room beside the outermost bars for their value labels (about half a power of two).
  const lo = Math.max(-6, Math.min(-2, Math.floor(Math.log2(Math.min(...values)) - 0.5)));
  const hi = Math.min(8, Math.max(2, Math.ceil(Math.log2(Math.max(...values)) + 0.4)));
  const x = (ratio: number) => {
    const l = Math.min(hi, Math.max(lo, Math.log2(ratio)));
    return X0 + ((l - lo) / (hi - lo)) * (X1 - X0);
  };

  const out: string[] = [];
  let y = 92;
  const top = y;
  for (const { s, rows } of charted) {
    out.push(`<text x="12" y="${y + 17}" class="section">${esc(s.title)}</text>`);
    y += SECTION_H;
    for (const row of rows) {
      const bandH = BARS.length * (BAR_H + BAR_GAP) + 2 * BAND_PAD;
      const lines = wrap(`${row.label} (${row.unit})`, 52);
      const ly = y + bandH / 2 - ((lines.length - 1) * 13) / 2 + 4;
      lines.forEach((ln, i) => out.push(`<text x="${LABEL_W}" y="${ly + i * 13}" class="label">${esc(ln)}</text>`));
      out.push(`<line x1="${X0}" x2="${X1}" y1="${y + bandH}" y2="${y + bandH}" class="sep"/>`);
      for (const g of row.goals ?? []) {
        const v = evaluate(g, row, all);
        if (v.mark === undefined || !Number.isFinite(v.mark)) continue;
        const gx = x(v.mark).toFixed(1);
        const c = v.met ? MET : MISSED;
        out.push(
          `<line x1="${gx}" x2="${gx}" y1="${y + 2}" y2="${y + bandH - 2}" stroke="${c}" stroke-width="2.5" stroke-dasharray="4 2"><title>${esc(`goal: ${g.text} (${v.met ? 'met' : 'not met'})`)}</title></line>`,
        );
      }
      BARS.forEach(({ lib, color }, i) => {
        const by = y + BAND_PAD + i * (BAR_H + BAR_GAP);
        const r = ratioVsBaseline(row, lib);
        if (r === undefined || !(r > 0)) {
          out.push(`<text x="${x(1) + 4}" y="${by + BAR_H - 2}" class="value">${lib}: n/a</text>`);
          return;
        }
        const a = x(1);
        const b = x(r);
        const clipped = Math.log2(r) > hi || Math.log2(r) < lo;
        out.push(
          `<rect x="${Math.min(a, b).toFixed(1)}" y="${by}" width="${Math.max(1, Math.abs(b - a)).toFixed(1)}" height="${BAR_H}" fill="${color}"><title>${esc(`${lib}: ${fmtRatio(r)} vs ${BASELINE}`)}</title></rect>`,
        );
        const tx = b >= a ? b + 4 : b - 4;
        out.push(
          `<text x="${tx.toFixed(1)}" y="${by + BAR_H - 2}" class="value" text-anchor="${b >= a ? 'start' : 'end'}">${fmtRatio(r)}${clipped ? ' (off scale)' : ''}</text>`,
        );
      });
      y += bandH;
    }
  }
  const bottom = y;

  // Axis: grid lines at powers of two, the 1.0x line on top.
  const grid: string[] = [];
  for (let e = lo; e <= hi; e++) {
    const gx = x(2 ** e).toFixed(1);
    const label = e >= 0 ? `${2 ** e}×` : `1/${2 ** -e}×`;
    grid.push(`<line x1="${gx}" x2="${gx}" y1="${top - 6}" y2="${bottom}" class="grid"/>`);
    grid.push(`<text x="${gx}" y="${top - 10}" class="tick" text-anchor="middle">${label}</text>`);
    grid.push(`<text x="${gx}" y="${bottom + 16}" class="tick" text-anchor="middle">${label}</text>`);
  }
  const one = x(1).toFixed(1);
  const legendY = bottom + 58;
  const legend = [
    ...BARS.map(
      ({ lib, color }, i) =>
        `<rect x="${X0 + i * 130}" y="${legendY - 10}" width="14" height="11" fill="${color}"/><text x="${X0 + i * 130 + 20}" y="${legendY}" class="label-l">${lib}</text>`,
    ),
    `<line x1="${X0 + 390}" x2="${X0 + 390}" y1="${legendY - 12}" y2="${legendY + 2}" stroke="${MET}" stroke-width="2.5" stroke-dasharray="4 2"/><text x="${X0 + 398}" y="${legendY}" class="label-l">goal, met</text>`,
    `<line x1="${X0 + 490}" x2="${X0 + 490}" y1="${legendY - 12}" y2="${legendY + 2}" stroke="${MISSED}" stroke-width="2.5" stroke-dasharray="4 2"/><text x="${X0 + 498}" y="${legendY}" class="label-l">goal, not met</text>`,
  ];
  const H = legendY + 20;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`,
    '<style>',
    '.title{font-size:18px;font-weight:600;fill:#111}.sub{font-size:12px;fill:#444}',
    '.section{font-size:13px;font-weight:600;fill:#111}.label{font-size:11.5px;fill:#222;text-anchor:end}',
    '.label-l{font-size:12px;fill:#222}.value{font-size:10.5px;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}.tick{font-size:11px;fill:#555}',
    '.grid{stroke:#e5e7eb;stroke-width:1}.sep{stroke:#f3f4f6;stroke-width:1}.one{stroke:#111;stroke-width:1.5}',
    '</style>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="12" y="26" class="title">${esc(title)}</text>`,
    ...wrap(subtitle, 170).map((ln, i) => `<text x="12" y="${46 + i * 15}" class="sub">${esc(ln)}</text>`),
    ...grid,
    `<line x1="${one}" x2="${one}" y1="${top - 6}" y2="${bottom}" class="one"/>`,
    `<text x="${one}" y="${bottom + 30}" class="tick" text-anchor="middle">lru-cache = 1×</text>`,
    ...out,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
