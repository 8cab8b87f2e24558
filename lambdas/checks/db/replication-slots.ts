// Inactive replication slots: a slot nobody consumes keeps every WAL segment since its
// restart_lsn (and, for its xmin/catalog_xmin, the dead tuples vacuum may not remove). On
// Supabase an abandoned slot (a replica, a CDC tool or a logical subscriber gone) grows until
// the disk is full and the project goes read-only. Fail above replicationSlotRetainedBytesFail,
// warn for any other inactive slot. Slots are the server's, whichever database created them.
import type { Check, CheckStatus } from "../../core/check";
import { worst } from "../../core/check";
import { withDatabase } from "./connect";

interface Row {
  name: string;
  quoted: string;
  type: "physical" | "logical";
  plugin: string | null;
  database: string | null;
  active: boolean;
  wal_status: string | null;
  retained: number | null;
  xmin_age: number | null;
  catalog_xmin_age: number | null;
}

export const replicationSlotsCheck: Check = {
  id: "replication-slots",
  title: "Slots de réplication inactifs (WAL retenu)",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const t = ctx.inputs.database;
      // On a standby pg_current_wal_lsn() raises: measure against what it received.
      const { rows } = await client.query<Row>(
        `SELECT slot_name AS name, quote_literal(slot_name) AS quoted, slot_type AS type, plugin, database, active, wal_status,
                pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, restart_lsn)::float8 AS retained,
                age(xmin) AS xmin_age, age(catalog_xmin) AS catalog_xmin_age
         FROM pg_replication_slots ORDER BY slot_name`,
      );
      const describe = (r: Row) => ({
        slot: r.name,
        type: r.type,
        plugin: r.plugin,
        database: r.database,
        walStatus: r.wal_status,
        retainedBytes: r.retained,
        ...(r.xmin_age !== null ? { xminAge: r.xmin_age } : {}),
        ...(r.catalog_xmin_age !== null ? { catalogXminAge: r.catalog_xmin_age } : {}),
      });
      const inactive = rows
        .filter((r) => !r.active)
        .sort((a, b) => (b.retained ?? 0) - (a.retained ?? 0))
        .map((r) => {
          const status: CheckStatus = (r.retained ?? 0) > t.replicationSlotRetainedBytesFail ? "fail" : "warn";
          // Dropping a slot a replica or subscriber still needs breaks it: find its owner first.
          return { ...describe(r), status, statement: `SELECT pg_drop_replication_slot(${r.quoted});` };
        });
      const active = rows.filter((r) => r.active).map(describe);
      const details = { inactive, active, thresholds: { retainedBytesFail: t.replicationSlotRetainedBytesFail } };
      const retained = rows.reduce((sum, r) => sum + (r.retained ?? 0), 0);
      const metrics = { inactiveReplicationSlots: inactive.length, replicationSlotsRetainedBytes: retained };
      const size = (b: number | null) => (b === null ? "no WAL reserved" : `${(b / 1024 ** 2).toFixed(1)} MB of WAL`);
      if (!inactive.length)
        return {
          status: "ok",
          summary: rows.length ? `${rows.length} replication slot(s), all active` : "no replication slot",
          details,
          metrics,
        };
      return {
        status: worst(...inactive.map((s) => s.status)),
        summary: `${inactive.length} inactive replication slot(s): ${inactive.map((s) => `${s.slot} (${s.type}${s.plugin ? ` ${s.plugin}` : ""}, ${size(s.retainedBytes)}${s.walStatus ? `, ${s.walStatus}` : ""})`).join(", ")}`,
        details,
        metrics,
      };
    }),
};
