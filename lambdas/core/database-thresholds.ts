// Thresholds of the database checks (PgHero / check_postgres defaults where they exist); the
// stack config (`database.thresholds`) overrides any of them, the CLI reads the stack file.
export interface DatabaseThresholds {
  /** A table whose last vacuum and autovacuum are older than this many days... */
  vacuumMaxAgeDays: number;
  /** ...while it holds more dead tuples than this, is reported. */
  vacuumMinDeadTuples: number;
  /** Dead tuples over live + dead: warn above this ratio. */
  deadTupleRatioWarn: number;
  /** ...for tables with at least this many dead tuples (a tiny table's ratio means nothing). */
  deadTupleRatioMinTuples: number;
  /** Transaction-ID / multixact age: warn and fail (autovacuum's emergency freeze is at 2^31 - ~3M). */
  xidAgeWarn: number;
  xidAgeFail: number;
  /**
   * A table whose transaction-ID (or multixact) age reaches this fraction of its
   * autovacuum_freeze_max_age (its own storage parameter, else the server's) is listed: its
   * anti-wraparound autovacuum is due, and past 1 it is overdue (PgHero warns 2M before).
   */
  freezeMaxAgeRatioWarn: number;
  /** Sequences: fraction of their maximum used. */
  sequenceUsedWarn: number;
  sequenceUsedFail: number;
  /** Queries running longer than this many seconds: warn (PgHero's long query), fail. */
  longQueryWarnSeconds: number;
  longQueryFailSeconds: number;
  /** Sessions idle in transaction longer than this many seconds. */
  idleInTransactionSeconds: number;
  /** Connections over max_connections: warn, fail. */
  connectionsWarn: number;
  connectionsFail: number;
  /** An inactive replication slot retaining more WAL than this (bytes) fails; any other inactive slot warns. */
  replicationSlotRetainedBytesFail: number;
  /** Buffer cache hit ratio: warn below. */
  cacheHitRatioWarn: number;
  /** ...judged only once this many heap blocks were hit or read since the statistics reset. */
  cacheHitMinBlocks: number;
  /** Weekly: how many of the largest tables to list. */
  largeTablesTop: number;
  /** Weekly: growth of a table's total size since the previous weekly record, warn above (0.5 = +50%). */
  tableGrowthWarn: number;
  /** Indexes: estimated bloat ratio above which REINDEX CONCURRENTLY is suggested (and done monthly). */
  indexBloatRatio: number;
  /** Indexes smaller than this (bytes) are not worth reporting as unused or bloated. */
  indexMinBytes: number;
  /** Unused indexes are judged only when the scan counters are at least this many days old. */
  indexStatsMinDays: number;
  /**
   * Schemas whose indexes are ours to judge and rebuild. Supabase's own (auth, storage, …)
   * belong to its services: their indexes are neither ours to drop nor to REINDEX.
   */
  maintainedSchemas: string[];
}

export const DEFAULT_DATABASE_THRESHOLDS: DatabaseThresholds = {
  vacuumMaxAgeDays: 7,
  vacuumMinDeadTuples: 10_000,
  deadTupleRatioWarn: 0.2,
  deadTupleRatioMinTuples: 1000,
  xidAgeWarn: 500_000_000,
  xidAgeFail: 1_200_000_000,
  freezeMaxAgeRatioWarn: 0.99,
  sequenceUsedWarn: 0.75,
  sequenceUsedFail: 0.9,
  longQueryWarnSeconds: 60,
  longQueryFailSeconds: 300,
  idleInTransactionSeconds: 60,
  connectionsWarn: 0.8,
  connectionsFail: 0.95,
  replicationSlotRetainedBytesFail: 1024 ** 3,
  cacheHitRatioWarn: 0.95,
  cacheHitMinBlocks: 10_000,
  largeTablesTop: 10,
  tableGrowthWarn: 0.5,
  indexBloatRatio: 0.3,
  indexMinBytes: 1024 * 1024,
  indexStatsMinDays: 7,
  maintainedSchemas: ["public"],
};
