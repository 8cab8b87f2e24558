// jest globalTeardown: stop the cluster started by global-setup.ts and remove its files.
import { stopPgServer, type PgServer } from "./pg-server";

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __TESTBED_PG__?: PgServer };
  if (g.__TESTBED_PG__) await stopPgServer(g.__TESTBED_PG__);
  g.__TESTBED_PG__ = undefined;
}
