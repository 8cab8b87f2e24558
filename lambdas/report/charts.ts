// The report's charts: Vega-Lite specs compiled and rendered to SVG strings on the server by
// vega's headless View (no canvas, no browser, no network: data is inline). A chart without
// data is not drawn (the page says so instead).
import * as vega from "vega";
import * as vl from "vega-lite";
import type { MaintenanceReport } from "./build";

const WEEKDAYS = ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."];
/** `lun. 23/11` for a `2026-11-23` day. */
export const dayLabel = (day: string) =>
  `${WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()]} ${day.slice(8, 10)}/${day.slice(5, 7)}`;

const CONFIG: vl.TopLevelSpec["config"] = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  axis: {
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: "normal",
    gridColor: "#e5e7eb",
    domainColor: "#9ca3af",
  },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: "bottom" },
  view: { stroke: null },
  background: "white",
};

async function render(spec: vl.TopLevelSpec): Promise<string> {
  const compiled = vl.compile({ width: 460, height: 170, config: CONFIG, ...spec }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const dayAxis = { field: "label", type: "ordinal" as const, title: null, sort: null, axis: { labelAngle: 0 } };

export interface Chart {
  id: string;
  title: string;
  /** The SVG, or null when the week has no data for it. */
  svg: string | null;
}

export async function reportCharts(report: MaintenanceReport): Promise<Chart[]> {
  const uptime = report.uptimeDetail.days
    .filter((d) => d.percent !== null)
    .map((d) => ({ label: dayLabel(d.day), percent: d.percent }));
  const latency = report.performance.latency.days.flatMap((d) =>
    d.p95 === null
      ? []
      : [
          { label: dayLabel(d.day), série: "p50", ms: d.p50 },
          { label: dayLabel(d.day), série: "p95", ms: d.p95 },
        ],
  );
  const rides = report.business
    .filter((b) => ["RidesCreated", "RidesCompleted", "RidesCancelled", "SignUps"].includes(b.metric))
    .flatMap((b) =>
      b.days.filter((d) => d.value !== null).map((d) => ({ label: dayLabel(d.day), série: b.label, n: d.value })),
    );
  const size = report.performance.databaseBytes
    .filter((d) => d.value !== null)
    .map((d) => ({ label: dayLabel(d.day), mo: Math.round((d.value! / 1048576) * 10) / 10 }));
  const threshold = report.performance.latency.thresholdP95Ms;
  const floor = Math.max(
    0,
    Math.floor(Math.min(report.uptimeDetail.failBelowPercent - 1, ...uptime.map((d) => d.percent! - 0.5))),
  );

  const specs: { id: string; title: string; data: object[]; spec: vl.TopLevelSpec }[] = [
    {
      id: "uptime",
      title: "Disponibilité par jour (%)",
      data: uptime,
      spec: {
        layer: [
          {
            // Bars start at the axis' floor (not 0): 99.2 % and 100 % must look different.
            mark: { type: "bar", color: "#2563eb", cornerRadiusEnd: 2 },
            encoding: {
              x: dayAxis,
              y: { field: "percent", type: "quantitative", title: "%", scale: { domain: [floor, 100] } },
              y2: { datum: floor },
            },
          },
          {
            data: { values: [{ s: report.uptimeDetail.warnBelowPercent }] },
            mark: { type: "rule", color: "#dc2626", strokeDash: [4, 3] },
            encoding: { y: { field: "s", type: "quantitative" } },
          },
        ],
      },
    },
    {
      id: "latency",
      title: `Latence de /api/health par jour (ms ; seuil p95 ${threshold} ms)`,
      data: latency,
      spec: {
        layer: [
          {
            mark: { type: "line", point: true },
            encoding: {
              x: dayAxis,
              y: { field: "ms", type: "quantitative", title: "ms" },
              color: { field: "série", type: "nominal", title: null, scale: { range: ["#2563eb", "#ea580c"] } },
            },
          },
          {
            data: { values: [{ s: threshold }] },
            mark: { type: "rule", color: "#dc2626", strokeDash: [4, 3] },
            encoding: { y: { field: "s", type: "quantitative" } },
          },
        ],
      },
    },
    {
      id: "business",
      title: "Activité par jour",
      data: rides,
      spec: {
        mark: { type: "bar" },
        encoding: {
          x: dayAxis,
          xOffset: { field: "série", type: "nominal" },
          y: { field: "n", type: "quantitative", title: null },
          color: { field: "série", type: "nominal", title: null, scale: { scheme: "tableau10" } },
        },
      } as vl.TopLevelSpec,
    },
    {
      id: "database-size",
      title: "Taille de la base (Mo)",
      data: size,
      spec: {
        mark: { type: "line", point: true, color: "#0f766e" },
        encoding: { x: dayAxis, y: { field: "mo", type: "quantitative", title: "Mo", scale: { zero: false } } },
      } as vl.TopLevelSpec,
    },
  ];
  return Promise.all(
    specs.map(async ({ id, title, data, spec }) => ({
      id,
      title,
      svg: data.length ? await render({ data: { values: data }, ...spec }) : null,
    })),
  );
}
