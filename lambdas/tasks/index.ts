// The maintenance tasks as checks of the lists ("Nettoyage" and "Optimisation" monthly, temporary data weekly).
import type { Check } from "../core/check";
import { archiveRides } from "./archive-rides";
import { taskCheck } from "./as-check";
import { cleanSessions } from "./clean-sessions";
import { purgeTemporaryData } from "./purge-temporary";
import { reindex } from "./reindex";
import { vacuumAnalyze } from "./vacuum-analyze";

export const cleanSessionsCheck: Check = taskCheck(
  "clean-sessions",
  "Suppression des sessions expirées",
  (url, { tasks }) =>
    cleanSessions(url, {
      expiredDays: tasks.sessionsExpiredDays,
      inactiveDays: tasks.sessionsInactiveDays,
      batchSize: tasks.batchSize,
    }),
);
export const archiveRidesCheck: Check = taskCheck(
  "archive-rides",
  "Archive des anciennes courses (déplacées, par lots)",
  (url, { tasks }) =>
    archiveRides(url, {
      olderThanMonths: tasks.ridesOlderThanMonths,
      batchSize: tasks.batchSize,
      withDependents: tasks.archive?.withDependents,
    }),
);
export const vacuumAnalyzeCheck: Check = taskCheck("vacuum-analyze", "VACUUM (ANALYZE) table par table", (url) =>
  vacuumAnalyze(url),
);
export const reindexCheck: Check = taskCheck(
  "reindex",
  "Réindexation des seuls index invalides ou gonflés",
  (url, { database }) => reindex(url, { thresholds: database }),
);

/** The weekly list's task. */
export const temporaryDataCheck: Check = taskCheck(
  "temporary-data",
  "Nettoyage des données temporaires",
  (url, { tasks }) => purgeTemporaryData(url, tasks.temporaryData, { batchSize: tasks.batchSize }),
);
