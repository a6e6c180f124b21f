// Turns benchmark results (the JSON objects atrium-bench writes, one per run) into the table a
// person reads in the terminal and the README, and an SVG bar chart of the same figures.

import { writeFileSync } from "node:fs";

export function median(values) {
  const xs = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** The largest: how counts of wrong deliveries are told, so that one bad run shows. */
export function worst(values) {
  const xs = values.filter((x) => Number.isFinite(x));
  return xs.length ? Math.max(...xs) : NaN;
}

const fmt = (x, digits = 2) => {
  if (!Number.isFinite(x)) return "-";
  // Counts (lost, out of order) read as counts: "697", not "697.00".
  if (Number.isInteger(x) || Math.abs(x) >= 1000) return Math.round(x).toLocaleString("en-US");
  return x.toFixed(digits);
};

/**
 * rows: [{ figure, unit, atrium, other, better: "lower" | "higher" }] with medians.
 * Prints a Markdown table (it reads fine in a terminal too) and returns it.
 */
export function table(rows, otherName) {
  const lines = [
    `| figure | Atrium | ${otherName} | Atrium / ${otherName.split(" ")[0]} |`,
    "| --- | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    const ratio = r.atrium / r.other;
    lines.push(`| ${r.figure}${r.unit ? ` (${r.unit})` : ""} | ${fmt(r.atrium)} | ${fmt(r.other)} | ` +
               `${Number.isFinite(ratio) ? ratio.toFixed(3) : "-"} |`);
  }
  return lines.join("\n");
}

/** One horizontal bar pair per figure, each scaled to its own larger value. */
export function writeChart(path, title, rows, otherName) {
  const width = 760;
  const rowHeight = 70;
  const left = 260;
  const barMax = width - left - 120;
  const height = 60 + rows.length * rowHeight;
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="16" y="26" font-size="16" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${left}" y="36" width="12" height="12" fill="#2b7bb9"/>` +
      `<text x="${left + 18}" y="47">Atrium</text>` +
      `<rect x="${left + 100}" y="36" width="12" height="12" fill="#c9792b"/>` +
      `<text x="${left + 118}" y="47">${esc(otherName)}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = 60 + i * rowHeight;
    const top = Math.max(r.atrium, r.other) || 1;
    const note = r.better === "lower" ? "lower is better" : "higher is better";
    parts.push(`<text x="16" y="${y + 20}">${esc(r.figure)}</text>`);
    parts.push(`<text x="16" y="${y + 38}" fill="#666" font-size="11">${esc(r.unit)}, ${note}</text>`);
    [[r.atrium, "#2b7bb9", 0], [r.other, "#c9792b", 26]].forEach(([v, color, dy]) => {
      const w = Number.isFinite(v) ? Math.max(1, (v / top) * barMax) : 0;
      parts.push(`<rect x="${left}" y="${y + dy + 6}" width="${w.toFixed(1)}" height="20" fill="${color}"/>`);
      parts.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + dy + 21}">${fmt(v)}</text>`);
    });
  });
  parts.push("</svg>");
  writeFileSync(path, parts.join("\n") + "\n");
}
