// What `npm start` prints after its run: the pages that would have gone out, the week's
// records, and where to look.
import { CreateBucketCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import * as path from "node:path";
import type { Manifest } from "../../lambdas/backup/manifest";
import { LEVELS } from "../../lambdas/core/contract";
import type { TestS3 } from "../../test/support/s3";
import type { Page } from "./guide";

/** The bucket, created unless a previous run left it in the kept directory. */
export async function ensureBucket(s3: TestS3, bucket: string): Promise<void> {
  try {
    await s3.client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

export function renderPages(pages: Page[]): string {
  if (!pages.length) return "Pages : aucune (rien n'aurait réveillé personne).\n";
  const blocks = pages.map(({ incident, channels }) => {
    const head = `── L${incident.level} ${LEVELS[incident.level].name}, réponse ${incident.responseTime} · ${incident.checklist}/${incident.check} : ${incident.status.toUpperCase()}`;
    const to = channels.length ? channels.map((c) => `   → ${c}`).join("\n") : "   → personne (route vide)";
    // The details (JSON) are in the run record; the terminal shows the text a person reads.
    const lines = incident.page.split("\n");
    const json = lines.findIndex((l) => /^[[{]/.test(l));
    // The page may cut long details short (no closing brace): they end at the blank line before the runbook.
    const end = json < 0 ? -1 : lines.indexOf("Runbook:") - 1;
    const shown =
      json < 0 || end <= json
        ? lines
        : [...lines.slice(0, json), "(détails en JSON : dans le record de la check-list)", ...lines.slice(end)];
    const text = shown.map((l) => `   │ ${l}`).join("\n");
    return `${head}\n${to}\n${text}`;
  });
  return `Pages qui auraient été envoyées (${pages.length}) :\n${blocks.join("\n\n")}\n`;
}

export function renderReport(week: { key: string; at: Date }[]): string {
  const lines = week.map((r) => `  ${r.at.toISOString().replace("T", " ").slice(0, 19)}  ${r.key}`);
  return `Enregistrements de la semaine, lus par le rapport hebdomadaire :\n${lines.join("\n") || "  aucun"}\n`;
}

export function renderSummary(a: {
  dir: string;
  logsBucket: string;
  backupsBucket: string;
  manifest?: Manifest;
  drillKey?: string;
  report?: { path: string; key: string };
  seconds: number;
}): string {
  const s3 = path.join(a.dir, "s3");
  return [
    "Où regarder :",
    `  enregistrements des check-lists : ${path.join(s3, a.logsBucket, "reports", "checklists")}${path.sep}  (s3://${a.logsBucket}/reports/checklists/)`,
    `  exercice de restauration       : ${a.drillKey ? `s3://${a.logsBucket}/${a.drillKey}` : "—"}`,
    `  backup                         : ${a.manifest ? `s3://${a.backupsBucket}/${a.manifest.key}` : "—"}  (${path.join(s3, a.backupsBucket)}${path.sep})`,
    `  rapport HTML                   : ${a.report ? `${a.report.path}  (s3://${a.logsBucket}/${a.report.key})` : "—"}`,
    `Tout ce que la répétition a démarré est arrêté ; données gardées dans ${a.dir} (npm start -- --fresh pour les régénérer).`,
    `Durée : ${a.seconds.toFixed(1)} s.`,
  ].join("\n");
}
