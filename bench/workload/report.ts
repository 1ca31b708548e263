import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SecondSample } from "./run.js";

export interface ChartSeries {
  readonly title: string;
  readonly series: readonly SecondSample[];
}

const W = 640;
const H = 180;
const PAD = 36;

function polyline(
  points: ReadonlyArray<[number, number]>,
  maxX: number,
  maxY: number,
  colour: string,
): string {
  const path = points
    .filter(([, y]) => Number.isFinite(y))
    .map(
      ([x, y]) =>
        `${(PAD + (x / Math.max(1, maxX)) * (W - 2 * PAD)).toFixed(1)},${(H - PAD - (y / Math.max(1, maxY)) * (H - 2 * PAD)).toFixed(1)}`,
    )
    .join(" ");
  return `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${path}"/>`;
}

function chart(
  title: string,
  unit: string,
  lines: ReadonlyArray<{ label: string; colour: string; points: Array<[number, number]> }>,
): string {
  const maxX = Math.max(1, ...lines.flatMap((l) => l.points.map(([x]) => x)));
  const maxY = Math.max(1, ...lines.flatMap((l) => l.points.map(([, y]) => (Number.isFinite(y) ? y : 0))));
  const legend = lines
    .map((l, i) => `<text x="${PAD + 150 * i}" y="14" fill="${l.colour}">${l.label}</text>`)
    .join("");
  return `<figure><figcaption>${title}</figcaption><svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-size="11" font-family="sans-serif">
<rect x="${PAD}" y="${PAD}" width="${W - 2 * PAD}" height="${H - 2 * PAD}" fill="none" stroke="#ccc"/>
<text x="2" y="${PAD}">${Math.round(maxY)} ${unit}</text><text x="2" y="${H - PAD}">0</text>
<text x="${W - PAD - 30}" y="${H - 8}">${maxX} s</text>${legend}
${lines.map((l) => polyline(l.points, maxX, maxY, l.colour)).join("\n")}</svg></figure>`;
}

/** A self-contained HTML page: for each run, throughput and latency over time. */
export function htmlReport(title: string, runs: readonly ChartSeries[], table: string): string {
  const figures = runs
    .map((r) => {
      const xs = (f: (s: SecondSample) => number) => r.series.map((s): [number, number] => [s.second, f(s)]);
      return `<section><h2>${r.title}</h2>${chart("throughput", "tx/s", [
        { label: "offered tx/s", colour: "#999", points: xs((s) => s.offeredTps) },
        { label: "committed tx/s", colour: "#1677ff", points: xs((s) => s.committedTps) },
      ])}${chart("submit-to-commit latency", "ms", [
        { label: "p50 ms", colour: "#52c41a", points: xs((s) => s.p50Ms) },
        { label: "p99 ms", colour: "#f5222d", points: xs((s) => s.p99Ms) },
      ])}</section>`;
    })
    .join("\n");
  const escaped = table.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title>
<body style="font-family:sans-serif;max-width:720px;margin:auto"><h1>${title}</h1><pre style="font-size:11px;overflow-x:auto">${escaped}</pre>${figures}</body></html>`;
}

/** Writes report.json and report.html into `dir` and returns their paths. */
export function writeReport(dir: string, json: unknown, html: string): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const paths = { json: join(dir, "report.json"), html: join(dir, "report.html") };
  writeFileSync(
    paths.json,
    JSON.stringify(
      json,
      (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v),
      2,
    ),
  );
  writeFileSync(paths.html, html);
  return paths;
}
