// The guide's check-lists ("Annexes › Check-lists" and "Maintenance préventive") as data:
// which checks each list holds, the guide line each one implements, its domain, the
// incident level of a warn/fail by default (stack config may raise or lower it) and the
// runbook a page carries. Plain data: infra/ validates config against it, lambdas/ runs it.
// Each entry also declares what its check needs (core/needs.ts), from which the Lambda's
// environment and IAM, the handler's inputs and the CLI's flags are derived, and how to load its
// code. Adding a check: its file, and its entry here (or in a catalog-*.ts beside it).
// Code is loaded with a lazy `require` (typed by `typeof import`): infra/ reads this catalogue
// as data and loads no check, the CLI loads only what a command runs, and esbuild still bundles
// every check into the list functions.
import type { CheckLevels, CheckLoader } from "../core/check";
import { DRILL_RECORDS_PREFIX, RECORDS_PREFIX, WEEKLY_REPORTS_PREFIX, type Domain } from "../core/contract";
import { mergeNeeds, type Needs } from "../core/needs";
import { BACKUPS_DAILY, BACKUPS_WEEKLY } from "./catalog-backups";
import { BUSINESS_DAILY } from "./catalog-business";
import { DATABASE_DAILY, DATABASE_MONTHLY, DATABASE_WEEKLY, DATABASE_WEEKLY_TASKS } from "./catalog-database";
import { SECURITY_DAILY, SECURITY_MONTHLY, SECURITY_WEEKLY } from "./catalog-security";

export type ChecklistName = "daily" | "weekly" | "monthly";
export const CHECKLIST_NAMES: readonly ChecklistName[] = ["daily", "weekly", "monthly"];

export interface CatalogEntry {
  id: string;
  title: string;
  /** The line of the maintenance guide this check implements. */
  guide: string;
  domain: Domain;
  levels: CheckLevels;
  /** What the person paged does first. */
  runbook: string[];
  /** What it reads and writes: its function's environment and IAM, and its CLI flags, derive from this. */
  needs: Needs;
  /** Its code, loaded when a list runs it (infra/ reads this catalogue without loading any). */
  check: CheckLoader;
  /**
   * Its time limit: past it the check is a `fail` and the list goes on. The stack refuses a
   * function timeout this cannot fit in (with the engine's finishing margin).
   * @default 30000
   */
  timeoutMs?: number;
}

const HEALTH_RUNBOOK = [
  "curl -s <app url>/api/health : lire le statut et le corps de la réponse",
  "Vercel : vérifier le dernier déploiement de production et ses logs de fonctions",
  "Si une fonctionnalité critique est touchée : rollback vers le déploiement précédent (niveau 2)",
];

export const CHECKLISTS: Record<ChecklistName, readonly CatalogEntry[]> = {
  daily: [
    {
      id: "app-logs",
      title: "Logs de l'application : erreurs et réponses 5xx des dernières 24 h",
      guide: "Vérifications quotidiennes › pm2 logs (erreurs de l'application)",
      domain: "logs",
      levels: { warn: 1, fail: 2 },
      runbook: [
        "Détail du résultat : les messages d'erreur les plus fréquents (identifiants et nombres remplacés) et leurs nombres",
        'Lire les lignes : aws s3 sync s3://<bucket de logs>/app/vercel/AAAA/MM/JJ/ ./logs puis zcat logs/*.gz | jq -c \'select(.type == "stderr" or .level == "error")\' (requêtes : access/vercel/)',
        "Aucune entrée reçue : Vercel › Log Drains, état et erreurs de livraison du drain ; logs CloudWatch de la fonction d'ingestion (403 = secret du drain désynchronisé)",
        "5xx en hausse après un déploiement : rollback vers le déploiement précédent (niveau 2)",
      ],
      needs: { readsLogDrain: true },
      check: async ({ s3 }) => (require("../checks/app-logs") as typeof import("../checks/app-logs")).appLogsCheck(s3),
      timeoutMs: 120_000,
    },
    {
      id: "app-health",
      title: "Monitoring des performances : /api/health répond, vite et sain",
      guide: "Vérifications quotidiennes › curl -s http://localhost:3000/api/health",
      domain: "app",
      levels: { warn: 1, fail: 2 },
      runbook: HEALTH_RUNBOOK,
      needs: { inputs: ["appUrl"], settings: ["health"] },
      check: async () => (require("../checks/app-health") as typeof import("../checks/app-health")).appHealth,
    },
    {
      id: "database-reachable",
      title: "Base de données joignable, version et taille",
      guide: "Vérifications quotidiennes › psql -d elegance_mobilite",
      domain: "database",
      levels: { warn: 1, fail: 2 },
      runbook: [
        "Supabase Dashboard : état du projet, connexions, incidents en cours (status.supabase.com)",
        "psql \"$DATABASE_URL\" -c 'select 1' depuis un poste de confiance",
        "DBA : vérifier max_connections, les sessions bloquées (pg_stat_activity) et l'espace disque",
      ],
      needs: { inputs: ["databaseUrl"], settings: ["databaseCaCert"] },
      check: async () =>
        (require("../checks/database-reachable") as typeof import("../checks/database-reachable")).databaseReachable,
      timeoutMs: 20_000,
    },
    {
      id: "checklist-freshness",
      title: "Les check-lists hebdomadaire et mensuelle ont tourné à temps",
      guide: "Annexes › Check-lists (hebdomadaire, mensuelle) : aucune ne doit être sautée",
      domain: "platform",
      levels: { warn: 1, fail: 2 },
      runbook: [
        "aws scheduler get-schedule : vérifier que la planification existe et est ENABLED",
        "CloudWatch Logs du Lambda de la check-list : dernière exécution et son erreur",
        "npm run ops -- checklist run <weekly|monthly> pour la rattraper à la main (le rapport : relancer la fonction weekly-report)",
      ],
      // Dates the weekly and monthly records, the restore drill's and the weekly report's by listing them.
      needs: { inputs: ["logsBucket"], logs: { list: [RECORDS_PREFIX, DRILL_RECORDS_PREFIX, WEEKLY_REPORTS_PREFIX] } },
      check: async ({ s3 }) =>
        (require("../checks/checklist-freshness") as typeof import("../checks/checklist-freshness")).checklistFreshness(
          s3,
        ),
    },
    ...BACKUPS_DAILY,
    ...DATABASE_DAILY,
    ...BUSINESS_DAILY,
    ...SECURITY_DAILY,
  ],
  weekly: [
    {
      id: "uptime",
      title: "Analyse des métriques : disponibilité et latence p95 de la semaine",
      guide: "Vérifications hebdomadaires › Analyse des métriques",
      domain: "app",
      levels: { warn: 1, fail: 2 },
      runbook: [
        "CloudWatch : métriques EleganceOps Up et Latency de la semaine, repérer les créneaux en défaut",
        "Croiser avec les déploiements Vercel et les incidents de la semaine",
        "Consigner les recommandations dans le rapport hebdomadaire",
      ],
      needs: { settings: ["uptime"], readsMetrics: true },
      check: async () => (require("../checks/uptime") as typeof import("../checks/uptime")).uptimeCheck(),
    },
    ...BACKUPS_WEEKLY,
    ...DATABASE_WEEKLY,
    ...DATABASE_WEEKLY_TASKS,
    ...SECURITY_WEEKLY,
  ],
  monthly: [
    ...DATABASE_MONTHLY,
    {
      id: "lambda-runtime",
      title: "Mise à jour des dépendances : fin de support du runtime Node.js des fonctions",
      guide: "Vérifications mensuelles › Mise à jour des dépendances (nvm install lts/*)",
      domain: "platform",
      levels: { warn: 1, fail: 2 },
      runbook: [
        "Passer le runtime des fonctions au Node.js LTS courant dans infra/ (ScheduledTask)",
        "npm test, puis pulumi preview --stack prod et pulumi up --stack prod",
      ],
      needs: {},
      check: async () =>
        (require("../checks/lambda-runtime") as typeof import("../checks/lambda-runtime")).lambdaRuntime,
    },
    ...SECURITY_MONTHLY,
  ],
};

/** Every check id of every list, e.g. `daily.app-health`. */
export function catalogKeys(): string[] {
  return CHECKLIST_NAMES.flatMap((list) => CHECKLISTS[list].map((c) => `${list}.${c.id}`));
}

/**
 * What a list's function needs: its checks' needs, and the list's own, writing its run record
 * under `reports/checklists/<list>/` (listed first, so a second run of the day gets its own key).
 */
export function checklistNeeds(list: ChecklistName, entries: readonly CatalogEntry[] = CHECKLISTS[list]): Needs {
  const records = `${RECORDS_PREFIX}${list}/`;
  return mergeNeeds([
    ...entries.map((e) => e.needs),
    { inputs: ["logsBucket"], logs: { list: [records], write: [records] } },
  ]);
}
