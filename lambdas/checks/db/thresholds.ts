// Thresholds of the database checks (PgHero / check_postgres defaults where they exist); the
// stack config (`database.thresholds`) overrides any of them, the CLI reads the stack file.
export interface DatabaseThresholds {
  /** A table whose last vacuum and autovacuum are older than this many days... */
  vacuumMaxAgeDays: number;
  /** ...while it holds more dead tuples than this, is reported. */
  vacuumMinDeadTuples: number;
  /** Dead tuples over live + dead: warn above this ratio. */
  deadTupleRatioWarn: number;
  /** Transaction-ID / multixact age: warn and fail (autovacuum's emergency freeze is at 2^31 - ~3M). */
  xidAgeWarn: number;
  xidAgeFail: number;
  /** Sequences: fraction of their maximum used. */
  sequenceUsedWarn: number;
  sequenceUsedFail: number;
  /** Queries running longer than this many seconds. */
  longQuerySeconds: number;
  /** Sessions idle in transaction longer than this many seconds. */
  idleInTransactionSeconds: number;
  /** Connections over max_connections: warn, fail. */
  connectionsWarn: number;
  connectionsFail: number;
  /** Buffer cache hit ratio: warn below. */
  cacheHitRatioWarn: number;
  /** Weekly: how many of the largest tables to list. */
  largeTablesTop: number;
  /** Weekly: growth of a table's total size since the previous weekly record, warn above (0.5 = +50%). */
  tableGrowthWarn: number;
  /** Indexes: estimated bloat ratio above which REINDEX CONCURRENTLY is suggested (and done monthly). */
  indexBloatRatio: number;
  /** Indexes smaller than this (bytes) are not worth reporting as unused or bloated. */
  indexMinBytes: number;
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
  xidAgeWarn: 500_000_000,
  xidAgeFail: 1_200_000_000,
  sequenceUsedWarn: 0.75,
  sequenceUsedFail: 0.9,
  longQuerySeconds: 300,
  idleInTransactionSeconds: 60,
  connectionsWarn: 0.8,
  connectionsFail: 0.95,
  cacheHitRatioWarn: 0.95,
  largeTablesTop: 10,
  tableGrowthWarn: 0.5,
  indexBloatRatio: 0.3,
  indexMinBytes: 1024 * 1024,
  maintainedSchemas: ["public"],
};
