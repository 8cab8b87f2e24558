// The business metrics' catalogue entry (lambdas/checks/business-metrics.ts), in the daily list.
import { DATABASE_NEEDS, mergeNeeds } from "../core/needs";
import type { CatalogEntry } from "./catalog";

export const BUSINESS_DAILY: CatalogEntry[] = [
  {
    id: "business-metrics",
    title: "Métriques métier de la veille (courses, inscriptions, chauffeurs, taille de la base)",
    guide: "Monitoring › Custom Dashboard : Métriques métier",
    domain: "database",
    // Only ever a warn (a column to configure, a grant missing): it measures, it does not judge.
    levels: { warn: 1, fail: 1 },
    runbook: [
      "Colonne ou table introuvable : la nommer dans elegance-ops:businessMetrics (clé citée par le résumé), puis pulumi up",
      "Droit manquant : GRANT SELECT ON <table> TO elegance_ops_maintenance (éditeur SQL de Supabase)",
    ],
    needs: mergeNeeds([DATABASE_NEEDS, { settings: ["businessMetrics"] }]),
    check: async () =>
      (require("../checks/business-metrics") as typeof import("../checks/business-metrics")).businessMetricsCheck,
  },
];
