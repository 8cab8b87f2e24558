// The backup checks' catalogue entries (lambdas/checks/backups.ts, backup-drill.ts), spread into the lists of catalog.ts.
import { DRILL_RECORDS_PREFIX } from "../core/contract";
import type { CatalogEntry } from "./catalog";

export const BACKUPS_DAILY: CatalogEntry[] = [
  {
    id: "backups",
    title: "Vérification des backups : dernier dump complet, récent, intègre et de taille normale",
    guide: "Vérifications quotidiennes › Vérification des backups",
    domain: "backups",
    levels: { warn: 1, fail: 2 },
    runbook: [
      "npm run ops -- backup list : le dernier backup complet, son âge et sa taille",
      "CloudWatch Logs de la fonction de backup : l'erreur de la dernière exécution (pg_dump, S3)",
      "Relancer : npm run ops -- backup (connexion directe ou pooler en mode session, jamais le port 6543)",
      "Taille en forte baisse : comparer les nombres de lignes des manifestes (tables vidées ?) avant tout nettoyage",
    ],
    // The drill's latest record too: its duration against its runner's limit.
    needs: {
      inputs: ["backupsBucket", "logsBucket"],
      settings: ["backupThresholds"],
      readsBackups: true,
      logs: { read: [DRILL_RECORDS_PREFIX] },
    },
    check: async ({ s3 }) => (require("../checks/backups") as typeof import("../checks/backups")).backupsCheck(s3),
    // Reading the whole dump back takes time on a big database.
    timeoutMs: 240_000,
  },
];

export const BACKUPS_WEEKLY: CatalogEntry[] = [
  {
    id: "backup-drill",
    title: "Test de restauration : le dernier backup se restaure et correspond à son manifeste",
    guide: "Procédures de restauration › pg_restore (vérifié chaque semaine par un exercice de restauration)",
    domain: "backups",
    levels: { warn: 1, fail: 2 },
    runbook: [
      "Détail du résultat : tables aux comptes différents, objets manquants, séquences en retard, index en échec amcheck",
      "Rejouer en local : npm run ops -- backup drill --backup <clé>",
      "Backup corrompu (somme de contrôle) : restaurer le précédent pour vérifier, puis relancer un backup",
    ],
    needs: { inputs: ["logsBucket"], settings: ["backupThresholds"], logs: { read: [DRILL_RECORDS_PREFIX] } },
    check: async ({ s3 }) =>
      (require("../checks/backup-drill") as typeof import("../checks/backup-drill")).backupDrillCheck(s3),
  },
];
