// `ops db …`: the database's checks and the guide's monthly tasks, by hand. Every task has
// --dry-run, takes its lock (a second run says "skipped: already running" and exits 0) and
// shows its progress on stderr. Only the commands' shape is here; ./db-run loads when one runs.
import { Command, Option } from "commander";
import { positiveInt, withInputs } from "./inputs";

/** The stack file's own bound (infra/config/schema.ts database.tasks.batchSize). */
const MAX_BATCH = 100_000;

const work = (): typeof import("./db-run") => require("./db-run");
type TaskName = keyof ReturnType<typeof work>["TASKS"];

/** A task command: inputs, --dry-run, progress, result; a failure exits 1 with its message. */
function taskCommand(name: TaskName, description: string): Command {
  return withInputs(
    new Command(name).description(description).option("--dry-run", "say exactly what would be done, and do nothing"),
    ["databaseUrl"],
  ).action((options: Record<string, unknown>) => work().runTask(name, options));
}

export function dbCommand(): Command {
  const db = new Command("db").description("the database: checks and the guide's monthly maintenance tasks");
  db.addCommand(
    withInputs(new Command("check").description("every database check now; exits 1 when one fails"), [
      "databaseUrl",
      "logsBucket",
    ]).action((options: Record<string, unknown>) => work().checkCommand(options)),
  );
  // No defaults here: an absent flag takes the stack file's database.tasks (then the guide's
  // defaults), as the monthly Lambda does.
  const batch = (what: string) =>
    new Option(
      "--batch-size <n>",
      `${what} per transaction, at most ${MAX_BATCH} [stack: database.tasks.batchSize, default 5000]`,
    ).argParser(positiveInt("--batch-size", MAX_BATCH));
  db.addCommand(
    taskCommand("archive-rides", "move rides older than the cutoff to rides_archive, in batches (resumable)")
      .addOption(
        new Option(
          "--older-than-months <n>",
          "rides created before now minus this many months [stack: database.tasks.ridesOlderThanMonths, default 6]",
        ).argParser(positiveInt("--older-than-months", 1200)),
      )
      .addOption(batch("rides")),
  );
  db.addCommand(
    taskCommand("clean-sessions", "delete auth.sessions expired for longer than N days, in batches")
      .addOption(
        new Option(
          "--expired-days <n>",
          "not_after older than this many days [stack: database.tasks.sessionsExpiredDays, default 30]",
        ).argParser(positiveInt("--expired-days", 36_500)),
      )
      .addOption(
        new Option(
          "--inactive-days <n>",
          "also sessions not refreshed for this many days [stack: database.tasks.sessionsInactiveDays]",
        ).argParser(positiveInt("--inactive-days", 36_500)),
      )
      .addOption(batch("sessions")),
  );
  db.addCommand(
    taskCommand("vacuum", "VACUUM (ANALYZE) table by table, skipping what is locked or not ours").addOption(
      new Option("--schema <name...>", "schemas to vacuum (each must exist)").default(["public", "auth"]),
    ),
  );
  db.addCommand(
    taskCommand(
      "reindex",
      "REINDEX INDEX CONCURRENTLY the invalid and bloated indexes only, one at a time (never REINDEX DATABASE)",
    ),
  );
  db.addCommand(
    taskCommand(
      "purge-temporary",
      "delete rows older than their max age from the tables of database.tasks.temporaryData",
    ),
  );
  return db;
}
