/** A small line chart as standalone SVG, so the benchmark needs no chart library or service. */

export interface Series {
  readonly label: string;
  readonly color: string;
  /** SVG stroke-dasharray, e.g. '6 4'; solid when undefined. */
  readonly dash?: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
}

/** Round tick steps (1, 2, 5 x 10^k) that give about `count` ticks up to `max`. */
function ticks(max: number, count: number): number[] {
  if (max <= 0) return [0];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1] < max) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function lineChart(series: readonly Series[], options: ChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 420;
  const margin = { top: 48, right: 24, bottom: 56, left: 72 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const all = series.flatMap((s) => s.points);
  const xTicks = ticks(Math.max(...all.map(([x]) => x)), 6);
  const yTicks = ticks(Math.max(...all.map(([, y]) => y)), 6);
  const xMax = xTicks[xTicks.length - 1];
  const yMax = yTicks[yTicks.length - 1];
  const px = (x: number) => margin.left + (x / xMax) * plotW;
  const py = (y: number) => margin.top + plotH - (y / yMax) * plotH;
  const f = (n: number) => n.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    'font-family="Helvetica, Arial, sans-serif" font-size="12">');
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(options.title)}</text>`);

  for (const t of yTicks) {
    out.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(py(t))}" y2="${f(py(t))}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${margin.left - 8}" y="${f(py(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const t of xTicks) {
    out.push(`<line x1="${f(px(t))}" x2="${f(px(t))}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${f(px(t))}" y="${margin.top + plotH + 18}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${margin.left + plotW / 2}" y="${height - 14}" text-anchor="middle">${escape(options.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`);

  for (const s of series) {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ')}"/>`);
    for (const [x, y] of pts) {
      out.push(`<circle cx="${f(px(x))}" cy="${f(py(y))}" r="3.5" fill="${s.color}"><title>${escape(s.label)}: N=${x}, ${y} ms</title></circle>`);
    }
  }

  series.forEach((s, i) => {
    const y = margin.top + 14 + i * 18;
    const x = margin.left + 12;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<line x1="${x}" x2="${x + 28}" y1="${y - 4}" y2="${y - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${x + 36}" y="${y}">${escape(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
