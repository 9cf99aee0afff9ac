// Turning measurements into the console table, docs/benchmarks.md and docs/benchmarks.svg.
import { median } from './stats.mjs';

export const SCENARIOS = {
  returning: 'returning client',
  new: 'new visitors',
  hello: 'hello page',
  paced: 'returning, paced',
  csrf: 'CSRF form POST',
};

/**
 * One row per (server, scenario): the medians over rounds of req/s, p99 and the per-round ratio
 * to the baseline's req/s in the same round and scenario.
 */
export function summarize(measurements, servers, baselineName) {
  const rows = [];
  for (const server of servers) {
    for (const scenario of Object.keys(SCENARIOS)) {
      const mine = measurements.filter((m) => m.server === server.name && m.scenario === scenario);
      if (mine.length === 0) continue;
      const ratios = mine.map((m) => {
        const base = measurements.find(
          (b) =>
            b.server === baselineName && b.scenario === scenario && b.round === m.round && b.rps,
        );
        return base && m.rps ? m.rps / base.rps : NaN;
      });
      rows.push({
        server: server.name,
        label: server.label,
        group: server.group,
        scenario,
        rounds: mine.filter((m) => m.rps).length,
        rps: median(mine.map((m) => m.rps)),
        p99: median(mine.map((m) => m.p99)),
        // At a paced 1,000 req/s the CPU per request mostly measures idle wake-ups: not shown.
        cpuUs: scenario === 'paced' ? NaN : median(mine.map((m) => m.cpuUs)),
        cpuRatio:
          scenario === 'paced'
            ? NaN
            : median(
                mine.map((m) => {
                  const base = measurements.find(
                    (b) =>
                      b.server === baselineName &&
                      b.scenario === scenario &&
                      b.round === m.round &&
                      b.cpuUs,
                  );
                  return base && m.cpuUs ? base.cpuUs / m.cpuUs : NaN;
                }),
              ),
        ratio: scenario === 'paced' ? NaN : median(ratios),
        errors: mine.reduce((a, m) => a + (m.errors ?? 0) + (m.non2xx ?? 0), 0),
        failed: mine.filter((m) => m.error).map((m) => m.error),
      });
    }
  }
  return rows;
}

const fmt = {
  rps: (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—'),
  ms: (v) => (Number.isFinite(v) ? v.toFixed(2) : '—'),
  ratio: (v) => (Number.isFinite(v) ? v.toFixed(2) : '—'),
};

/** Rows for a Markdown / console table. */
export function tableLines(rows, { markdown }) {
  const header = [
    'server',
    'scenario',
    'req/s',
    'p99 ms',
    'x node:http',
    'CPU us/req',
    'x by CPU',
    'errors',
  ];
  const body = rows.map((r) => [
    r.label,
    SCENARIOS[r.scenario],
    fmt.rps(r.rps),
    fmt.ms(r.p99),
    fmt.ratio(r.ratio),
    Number.isFinite(r.cpuUs) ? String(Math.round(r.cpuUs)) : '—',
    fmt.ratio(r.cpuRatio),
    r.failed.length ? `failed: ${r.failed[0].split('\n')[0].slice(0, 60)}` : String(r.errors),
  ]);
  if (markdown) {
    return [
      `| ${header.join(' | ')} |`,
      `| ${header.map((h, i) => (i >= 2 ? '---:' : '---')).join(' | ')} |`,
      ...body.map((cells) => `| ${cells.join(' | ')} |`),
    ];
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i >= 2 && i < 7 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

function escapeXml(s) {
  return String(s).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );
}

/**
 * A horizontal bar chart of median req/s per server, one bar per scenario, written by hand.
 */
export function barChartSvg(allRows, { title, subtitle }) {
  const rows = allRows.filter((r) => r.scenario !== 'paced');
  const scenarios = ['returning', 'new', 'hello'];
  const colors = { returning: '#0b6e4f', new: '#7fb89f', hello: '#c9a227' };
  const groupColors = { baseline: '#555', peer: '#2f5d8a', tango: '#0b6e4f' };
  const servers = [];
  for (const r of rows)
    if (!servers.some((s) => s.name === r.server))
      servers.push({ name: r.server, label: r.label, group: r.group });
  const bar = 13;
  const gap = 9;
  const left = 250;
  const width = 900;
  const plot = width - left - 90;
  const top = 70;
  const max = Math.max(1, ...rows.map((r) => (Number.isFinite(r.rps) ? r.rps : 0)));
  const step = niceStep(max);
  const scale = plot / (Math.ceil(max / step) * step);
  let y = top;
  const parts = [];
  for (const s of servers) {
    const mine = scenarios
      .map((sc) => rows.find((r) => r.server === s.name && r.scenario === sc))
      .filter(Boolean);
    const h = mine.length * bar;
    parts.push(
      `<text x="${left - 10}" y="${y + h / 2 + 4}" text-anchor="end" fill="${groupColors[s.group] ?? '#333'}">${escapeXml(s.label)}</text>`,
    );
    for (const r of mine) {
      const w = Number.isFinite(r.rps) ? Math.max(1, r.rps * scale) : 0;
      parts.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${colors[r.scenario]}"><title>${escapeXml(`${r.label}, ${SCENARIOS[r.scenario]}: ${fmt.rps(r.rps)} req/s, p99 ${fmt.ms(r.p99)} ms`)}</title></rect>`,
      );
      parts.push(
        `<text x="${left + w + 4}" y="${y + bar - 3}" font-size="10" fill="#333">${fmt.rps(r.rps)}</text>`,
      );
      y += bar;
    }
    y += gap;
  }
  const height = y + 62;
  const axis = [];
  for (let v = 0; v * scale <= plot + 0.5; v += step) {
    const x = left + v * scale;
    axis.push(
      `<line x1="${x.toFixed(1)}" y1="${top - 6}" x2="${x.toFixed(1)}" y2="${y - gap}" stroke="#e3e3e3"/>`,
    );
    axis.push(
      `<text x="${x.toFixed(1)}" y="${y + 8}" font-size="10" text-anchor="middle" fill="#666">${v.toLocaleString('en-US')}</text>`,
    );
  }
  const legend = scenarios
    .map(
      (sc, i) =>
        `<rect x="${left + i * 150}" y="${height - 20}" width="12" height="12" fill="${colors[sc]}"/><text x="${left + i * 150 + 17}" y="${height - 10}" font-size="11">${SCENARIOS[sc]}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="26" font-size="16" font-weight="600">${escapeXml(title)}</text>`,
    `<text x="20" y="46" font-size="11" fill="#555">${escapeXml(subtitle)}</text>`,
    ...axis,
    ...parts,
    `<text x="${left + plot / 2}" y="${y + 26}" font-size="11" text-anchor="middle" fill="#444">requests per second (median of rounds; higher is better)</text>`,
    legend,
    `</svg>`,
    '',
  ].join('\n');
}

function niceStep(max) {
  const raw = max / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * mag) return m * mag;
  return 10 * mag;
}
