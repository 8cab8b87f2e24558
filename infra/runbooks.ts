// What the person paged reads first, per kind of alarm: the guide's "Gestion des incidents"
// steps, made concrete for this stack. Alarm descriptions carry them (CloudWatch puts the
// description in every e-mail and SNS message).

/** Level 3, "Service inaccessible": put the app in maintenance mode, then find the cause. */
export const SERVICE_DOWN = [
  "Confirmer : curl -si <app url>/api/health (et depuis un autre réseau)",
  'Mode maintenance : npm run ops -- maintenance on --reason "…" (item Edge Config `maintenance` = true, le middleware sert la page 503 ; ops maintenance status pour vérifier)',
  "Si le dernier déploiement est en cause : npm run ops -- rollback --dry-run, puis npm run ops -- rollback (promeut le déploiement de production précédent et vérifie /api/health)",
  "Supabase : status.supabase.com et Dashboard du projet ; escalade support@supabase.io / support@vercel.com",
  "Une fois rétabli : npm run ops -- maintenance off, puis vérifier /api/health",
];

/** Level 2, "Performance dégradée": usually the last deployment or the database. */
export const SLOW_RESPONSES = [
  "CloudWatch : métrique EleganceOps Latency (p95) et Up de l'app, depuis quand ?",
  "Un déploiement récent coïncide ? npm run ops -- rollback --dry-run, puis npm run ops -- rollback (rollback rapide : promeut le précédent, vérifie /api/health)",
  "Supabase Dashboard › Database : requêtes lentes, connexions, CPU ; prévenir le DBA si la base est en cause",
];

/** A scheduled task failed, or stopped running: where to look, how to re-run by hand. */
export function taskRunbook(task: { name: string; logGroup: string; rerun?: string }): string[] {
  return [
    `CloudWatch Logs ${task.logGroup} : dernière exécution et son erreur`,
    `File des échecs (DLQ) ${task.name}-dlq : les invocations que le planificateur n'a pas pu livrer, et les exécutions échouées après leurs nouvelles tentatives (requestContext.condition, responsePayload)`,
    `aws scheduler get-schedule --name ${task.name} : la planification existe et est ENABLED`,
    ...(task.rerun ? [`Relancer à la main : ${task.rerun}`] : []),
  ];
}

/** Database alarms: the DBA's first steps (they are paged at level 2 for these). */
export const DATABASE = [
  "Supabase Dashboard › Database : connexions, verrous, espace disque, requêtes longues",
  "psql : select pid, state, now() - query_start, query from pg_stat_activity order by 3 desc nulls last limit 20",
  "Si une requête bloque l'app : select pg_cancel_backend(<pid>) puis, si besoin, pg_terminate_backend(<pid>)",
];
