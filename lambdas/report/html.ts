// The report as one self-contained HTML page: inline CSS, charts as inline SVG, no script, no
// external request. Laid out to be read in a minute: the four figures first, then the charts,
// the incidents, the recommendations; one column on a phone, page breaks kept out of blocks in print.
import { LEVELS } from "../core/contract";
import type { MaintenanceReport } from "./build";
import { dayLabel, type Chart } from "./charts";

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const num = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined ? "—" : n.toLocaleString("fr-FR", { maximumFractionDigits: digits });
const paris = (iso: string) =>
  new Date(iso).toLocaleString("fr-FR", {
    timeZone: "Europe/Paris",
    weekday: "short",
    day: "2-digit",
    month: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f3f4f6}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 10px}
.sub{color:#4b5563;margin:0 0 16px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin-bottom:16px}
.tile,.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 14px}
.tile .v{font-size:26px;font-weight:650}.tile .l{color:#4b5563;font-size:13px}
.ok{border-left:6px solid #16a34a}.warn{border-left:6px solid #d97706}.fail{border-left:6px solid #dc2626}
.card{margin-bottom:16px;break-inside:avoid}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:6px}
svg{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{color:#374151;font-weight:600;background:#f9fafb}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
.lvl{display:inline-block;border-radius:4px;padding:0 6px;font-weight:600;font-size:12px;color:#fff}
.l1{background:#d97706}.l2{background:#ea580c}.l3{background:#b91c1c}
ol{margin:0;padding-left:20px}li{margin-bottom:8px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;padding:1px 4px;border-radius:3px;word-break:break-word}
.empty{color:#6b7280;font-style:italic}
@media (max-width:520px){main{padding:8px}.charts{grid-template-columns:1fr}.tile .v{font-size:22px}}
@media print{body{background:#fff;font-size:12px}main{max-width:none;padding:0}.tile,.card{border-color:#9ca3af}.charts{grid-template-columns:1fr 1fr}}
`;

function statusClass(report: MaintenanceReport): "ok" | "warn" | "fail" {
  const d = report.uptimeDetail;
  if (!d.minutesProbed) return "warn";
  return report.uptime < d.failBelowPercent ? "fail" : report.uptime < d.warnBelowPercent ? "warn" : "ok";
}

/** Commands in a recommendation (after « À exécuter : » or in parentheses) set in code. */
const recommendation = (text: string) =>
  esc(text)
    .replace(/À exécuter : (.*)$/, (_, cmd: string) => `À exécuter : <code>${cmd}</code>`)
    .replace(/\((npm run ops -- [^)]*)\)/g, "(<code>$1</code>)");

export function reportHtml(report: MaintenanceReport, charts: Chart[]): string {
  const p95s = report.performance.latency.days.map((d) => d.p95).filter((v): v is number => v !== null);
  const worstP95 = p95s.length ? Math.max(...p95s) : null;
  const threshold = report.performance.latency.thresholdP95Ms;
  const missed = report.incidents.filter((i) => i.responseMet === false).length;
  const tiles = [
    {
      v: report.uptimeDetail.minutesProbed ? `${num(report.uptime, 3)} %` : "—",
      l: `Disponibilité (seuil ${report.uptimeDetail.warnBelowPercent} %)`,
      c: statusClass(report),
    },
    {
      v: worstP95 === null ? "—" : `${num(worstP95)} ms`,
      l: `p95 du pire jour (seuil ${threshold} ms)`,
      c: worstP95 === null ? "warn" : worstP95 > threshold ? "fail" : "ok",
    },
    {
      v: num(report.incidents.length),
      l: `Incidents${missed ? `, dont ${missed} hors délai` : ""}`,
      c: missed ? "fail" : report.incidents.length ? "warn" : "ok",
    },
    { v: num(report.recommendations.length), l: "Recommandations", c: "ok" },
  ];
  const incidents = report.incidents.length
    ? `<div class="scroll"><table><thead><tr><th>Niveau</th><th>Incident</th><th>Début</th><th>Fin</th><th class="n">Durée</th><th>Délai</th></tr></thead><tbody>${report.incidents
        .map(
          (i) =>
            `<tr><td><span class="lvl l${i.level}">N${i.level}</span></td><td>${esc(i.summary)}</td><td>${esc(paris(i.start))}</td><td>${i.end ? esc(paris(i.end)) : i.source === "alarm" ? "en cours" : "—"}</td><td class="n">${i.durationMinutes === undefined ? "—" : `${num(i.durationMinutes)} min`}</td><td>${i.responseMet === undefined ? "—" : i.responseMet ? `tenu (${esc(LEVELS[i.level].responseTime)})` : `<strong>dépassé</strong> (${esc(LEVELS[i.level].responseTime)})`}</td></tr>`,
        )
        .join("")}</tbody></table></div>`
    : `<p class="empty">Aucun incident cette semaine.</p>`;
  const business = `<div class="scroll"><table><thead><tr><th>Indicateur</th>${report.days.map((d) => `<th class="n">${esc(dayLabel(d))}</th>`).join("")}<th class="n">Semaine</th><th class="n">Moy. 4 sem.</th></tr></thead><tbody>${report.business
    .map((b) => {
      const delta = b.previousWeeksAverage
        ? Math.round((100 * (b.weekTotal - b.previousWeeksAverage)) / b.previousWeeksAverage)
        : null;
      // Revenue is counted in cents: shown in euros.
      const k = b.metric === "RevenueCents" ? 0.01 : 1;
      const v = (n: number | null) => num(n === null ? null : n * k);
      return `<tr><td>${esc(b.metric === "RevenueCents" ? "Chiffre d'affaires (€)" : b.label)}</td>${b.days.map((d) => `<td class="n">${v(d.value)}</td>`).join("")}<td class="n"><strong>${v(b.weekTotal)}</strong></td><td class="n">${v(b.previousWeeksAverage)}${delta === null ? "" : ` (${delta >= 0 ? "+" : ""}${delta} %)`}</td></tr>`;
    })
    .join("")}</tbody></table></div>`;
  const tasks = report.performance.tasks.length
    ? `<table><thead><tr><th>Tâche</th><th class="n">Exécutions</th><th class="n">Durée moy.</th><th class="n">Durée max.</th></tr></thead><tbody>${report.performance.tasks
        .map(
          (t) =>
            `<tr><td>${esc(t.task)}</td><td class="n">${t.runs}</td><td class="n">${num(t.averageSeconds, 1)} s</td><td class="n">${num(t.maxSeconds, 1)} s</td></tr>`,
        )
        .join("")}${report.performance.lists
        .map(
          (l) =>
            `<tr><td>Check-list ${esc(l.list)}</td><td class="n">${l.runs}</td><td class="n" colspan="2">${l.ok} ok · ${l.warn} avert. · ${l.fail} échecs</td></tr>`,
        )
        .join("")}</tbody></table>`
    : `<p class="empty">Aucune tâche mesurée cette semaine.</p>`;
  const slow = report.performance.latency.slowestHours.length
    ? `<p>Heures les plus lentes (p95) : ${report.performance.latency.slowestHours.map((h) => `${esc(paris(h.hour))} ${num(h.p95)} ms`).join(" · ")}</p>`
    : "";
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Rapport de maintenance ${esc(report.week)}</title><style>${CSS}</style></head>
<body><main>
<h1>Rapport de maintenance hebdomadaire — ${esc(report.week)}</h1>
<p class="sub">Du ${esc(dayLabel(report.days[0]))} au ${esc(dayLabel(report.days[6]))} (UTC) · généré le ${esc(paris(report.generatedAt))} · ${num(report.uptimeDetail.minutesUp)} minutes disponibles sur ${num(report.uptimeDetail.minutesProbed)} sondées</p>
<section class="tiles">${tiles.map((t) => `<div class="tile ${t.c}"><div class="v">${t.v}</div><div class="l">${esc(t.l)}</div></div>`).join("")}</section>
<section class="card"><h2>Recommandations</h2>${report.recommendations.length ? `<ol>${report.recommendations.map((r) => `<li>${recommendation(r)}</li>`).join("")}</ol>` : `<p class="empty">Aucune.</p>`}</section>
<section class="card"><h2>Incidents</h2>${incidents}</section>
<section class="card charts">${charts.map((c) => `<figure id="chart-${esc(c.id)}"><figcaption>${esc(c.title)}</figcaption>${c.svg ?? `<p class="empty">Pas de données cette semaine.</p>`}</figure>`).join("")}${slow ? `<div>${slow}</div>` : ""}</section>
<section class="card"><h2>Activité (courses, inscriptions)</h2>${business}</section>
<section class="card"><h2>Tâches</h2>${tasks}</section>
</main></body></html>
`;
}
