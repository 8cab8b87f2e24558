// The database checks' catalogue entries (lambdas/checks/db/), spread into the lists of catalog.ts.
import { RECORDS_PREFIX } from "../core/contract";
import { DATABASE_NEEDS, mergeNeeds } from "../core/needs";
import type { CatalogEntry } from "./catalog";

/** A monthly task's share of the run: resumable batches, so a cut run finishes next month. Each fits the 900 s function; the run budgets the sum. */
const TASK_TIMEOUT_MS = 12 * 60_000;

const DBA = ["DBA : Supabase Dashboard › Database, puis `npm run ops -- db check` pour le détail"];

const entry = (
  e: Omit<CatalogEntry, "domain" | "needs" | "levels"> & Partial<Pick<CatalogEntry, "levels" | "needs">>,
): CatalogEntry => ({
  domain: "database",
  needs: DATABASE_NEEDS,
  levels: { warn: 1, fail: 2 },
  ...e,
});

export const DATABASE_DAILY: CatalogEntry[] = [
  entry({
    id: "vacuum",
    check: async () => (require("../checks/db/vacuum") as typeof import("../checks/db/vacuum")).vacuumCheck,
    title: "Vacuum : tables négligées, tuples morts, tables jamais analysées",
    guide: "Vérifications quotidiennes › SELECT now() - pg_last_vacuum_time … FROM pg_stat_all_tables",
    runbook: [
      ...DBA,
      "Tables listées : VACUUM (ANALYZE) schéma.table, ou `npm run ops -- db vacuum`",
      "Si cela revient : régler autovacuum_vacuum_scale_factor de la table",
    ],
  }),
  entry({
    id: "wraparound",
    check: async () => (require("../checks/db/wraparound") as typeof import("../checks/db/wraparound")).wraparoundCheck,
    title: "Âge des identifiants de transaction et multixact (wraparound)",
    guide: "Vérifications quotidiennes › vérification de la base de données (gel des transactions)",
    levels: { warn: 1, fail: 3 },
    runbook: [
      ...DBA,
      "Chercher ce qui empêche le gel : transactions longues, slots de réplication inactifs, prepared transactions (select * from pg_prepared_xacts)",
      "VACUUM (FREEZE, ANALYZE) de chaque table listée dans le détail (instruction fournie), hors heures de pointe",
    ],
  }),
  entry({
    id: "sequences",
    check: async () => (require("../checks/db/wraparound") as typeof import("../checks/db/wraparound")).sequencesCheck,
    title: "Séquences proches de leur maximum",
    guide: "Vérifications quotidiennes › vérification de la base de données (capacité des identifiants)",
    runbook: [
      ...DBA,
      "Passer la colonne en bigint (ALTER TABLE … ALTER COLUMN … TYPE bigint) dans une fenêtre de maintenance",
    ],
  }),
  entry({
    id: "activity",
    check: async () => (require("../checks/db/activity") as typeof import("../checks/db/activity")).activityCheck,
    title: "Requêtes longues, transactions inactives, connexions, cache",
    guide: "Vérifications quotidiennes › vérification de la base de données (activité)",
    runbook: [
      ...DBA,
      "select pid, state, now() - query_start, now() - xact_start, query from pg_stat_activity where backend_type = 'client backend' order by 3 desc nulls last",
      "Requête longue ou session bloquante : select pg_cancel_backend(<pid>) puis, si elle persiste, pg_terminate_backend(<pid>)",
    ],
  }),
  entry({
    id: "primary-keys",
    check: async () =>
      (require("../checks/db/primary-keys") as typeof import("../checks/db/primary-keys")).primaryKeysCheck,
    title: "Tables sans clé primaire",
    guide: "Vérifications quotidiennes › vérification de la base de données (structure)",
    runbook: [...DBA, "Ajouter une clé primaire (ALTER TABLE … ADD PRIMARY KEY) après avoir vérifié l'unicité"],
  }),
  entry({
    id: "replication-slots",
    check: async () =>
      (require("../checks/db/replication-slots") as typeof import("../checks/db/replication-slots"))
        .replicationSlotsCheck,
    title: "Slots de réplication inactifs (WAL retenu)",
    guide: "Vérifications quotidiennes › vérification de la base de données (espace disque : WAL retenu par les slots)",
    runbook: [
      ...DBA,
      "select slot_name, slot_type, plugin, database, active, wal_status, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) from pg_replication_slots",
      "Identifier le propriétaire du slot (réplica, outil CDC, abonnement logique : select * from pg_subscription sur l'abonné) avant toute suppression",
      "Slot abandonné : select pg_drop_replication_slot('<nom du slot>') ; sinon relancer son consommateur",
      "Disque presque plein ou base en lecture seule : Supabase Dashboard › Settings › Compute and Disk, puis supprimer le slot (niveau 2)",
    ],
  }),
];

export const DATABASE_WEEKLY: CatalogEntry[] = [
  entry({
    id: "large-tables",
    check: async ({ s3 }) => {
      const m = require("../checks/db/large-tables") as typeof import("../checks/db/large-tables");
      return m.largeTablesCheck(({ logsBucket }) => m.previousSizesFromRecords(s3, logsBucket));
    },
    // Compares with the latest weekly record.
    needs: mergeNeeds([DATABASE_NEEDS, { inputs: ["logsBucket"], logs: { read: [`${RECORDS_PREFIX}weekly/`] } }]),
    title: "Tables volumineuses et leur croissance sur la semaine",
    guide: "Vérifications hebdomadaires › SELECT schemaname, relname, n_live_tup FROM pg_stat_user_tables",
    runbook: [
      ...DBA,
      "Croissance anormale : vérifier l'archivage des courses (`npm run ops -- db archive-rides --dry-run`) et les données temporaires",
    ],
  }),
  entry({
    id: "indexes",
    check: async () => (require("../checks/db/indexes") as typeof import("../checks/db/indexes")).indexesCheck,
    title: "Index inutilisés, en double, invalides ou gonflés",
    guide: "Vérifications hebdomadaires › SELECT * FROM pg_stat_user_indexes WHERE idx_scan = 0",
    runbook: [
      ...DBA,
      "Relire les instructions du détail (DROP/REINDEX INDEX CONCURRENTLY) ; rien n'est supprimé automatiquement",
      "Index invalides ou gonflés : `npm run ops -- db reindex`",
    ],
  }),
  entry({
    id: "invalid-constraints",
    check: async () =>
      (require("../checks/db/constraints") as typeof import("../checks/db/constraints")).constraintsCheck,
    title: "Contraintes NOT VALID jamais validées",
    guide: "Vérifications hebdomadaires › vérification de la base de données (intégrité : contraintes NOT VALID)",
    runbook: [
      ...DBA,
      "select conrelid::regclass, conname, pg_get_constraintdef(oid) from pg_constraint where not convalidated",
      "Valider chaque contrainte (instruction du détail) : ALTER TABLE <schéma.table> VALIDATE CONSTRAINT <nom> ; verrou SHARE UPDATE EXCLUSIVE, lectures et écritures continuent",
      "Échec de la validation : corriger les lignes fautives (le message d'erreur en cite une) puis relancer",
    ],
  }),
];

export const DATABASE_WEEKLY_TASKS: CatalogEntry[] = [
  entry({
    id: "temporary-data",
    check: async () => (require("../tasks") as typeof import("../tasks")).temporaryDataCheck,
    // Resumable batches: what is left is purged next week; the weekly function runs 300 s.
    timeoutMs: 240_000,
    title: "Nettoyage des données temporaires",
    guide: "Vérifications hebdomadaires › Nettoyage des données temporaires",
    runbook: [...DBA, "Relancer : `npm run ops -- db purge-temporary --dry-run`, puis sans --dry-run"],
  }),
];

export const DATABASE_MONTHLY: CatalogEntry[] = [
  entry({
    id: "clean-sessions",
    check: async () => (require("../tasks") as typeof import("../tasks")).cleanSessionsCheck,
    timeoutMs: TASK_TIMEOUT_MS,
    title: "Suppression des sessions expirées",
    guide: "Vérifications mensuelles › DELETE FROM auth.sessions WHERE not_after < NOW() - INTERVAL '30 days'",
    runbook: [...DBA, "Relancer : `npm run ops -- db clean-sessions --dry-run`, puis sans --dry-run"],
  }),
  entry({
    id: "archive-rides",
    check: async () => (require("../tasks") as typeof import("../tasks")).archiveRidesCheck,
    timeoutMs: TASK_TIMEOUT_MS,
    title: "Archive des anciennes courses (déplacées, par lots)",
    guide:
      "Vérifications mensuelles › INSERT INTO rides_archive SELECT * FROM rides WHERE created_at < NOW() - INTERVAL '6 months'",
    runbook: [
      ...DBA,
      "Relancer : `npm run ops -- db archive-rides --dry-run`, puis sans --dry-run (reprend où il s'est arrêté)",
    ],
  }),
  entry({
    id: "vacuum-analyze",
    check: async () => (require("../tasks") as typeof import("../tasks")).vacuumAnalyzeCheck,
    timeoutMs: TASK_TIMEOUT_MS,
    title: "VACUUM (ANALYZE) table par table",
    guide: "Vérifications mensuelles › VACUUM ANALYZE",
    runbook: [...DBA, "Relancer : `npm run ops -- db vacuum` ; les tables sautées sont listées avec la raison"],
  }),
  entry({
    id: "reindex",
    check: async () => (require("../tasks") as typeof import("../tasks")).reindexCheck,
    timeoutMs: TASK_TIMEOUT_MS,
    title: "Réindexation des seuls index invalides ou gonflés",
    guide: "Vérifications mensuelles › REINDEX DATABASE elegance_mobilite (remplacé : il bloque l'application)",
    runbook: [...DBA, "Relancer : `npm run ops -- db reindex --dry-run`, puis sans --dry-run"],
  }),
];
