// Issue 19: Debian's and Ubuntu's pg_dump print `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`,
// which the manifest recorded as "" and which silently turned off the "older than the server" guard.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { runBackup } from "../../lambdas/backup/dump";
import { parseToolVersion, toolVersion } from "../../lambdas/backup/pg-tools";
import { useFreshDatabase } from "../support/db";
import { startS3, type TestS3 } from "../support/s3";

/** A PG_BINDIR whose pg_dump only answers --version with `line`. */
function fakeBindir(line: string): { env: NodeJS.ProcessEnv; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "elegance-fake-pg-"));
  writeFileSync(path.join(dir, "pg_dump"), `#!/bin/sh\necho '${line}'\n`);
  chmodSync(path.join(dir, "pg_dump"), 0o755);
  return { env: { ...process.env, PG_BINDIR: dir }, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const LINES: [string, string][] = [
  ["pg_dump (PostgreSQL) 15.18", "15.18"],
  ["pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", "15.18"],
  ["pg_dump (PostgreSQL) 14.11 (Ubuntu 14.11-0ubuntu0.22.04.1)", "14.11"],
  ["pg_dump (PostgreSQL) 17beta1", "17beta1"],
];

describe("pg_dump's version (issue 19: Debian/Ubuntu version strings)", () => {
  it.each(LINES)("parses %j as %s", (line, version) => {
    expect(parseToolVersion(line)).toBe(version);
  });

  it.each(LINES)("toolVersion reads %j from the program in PG_BINDIR", (line, version) => {
    const fake = fakeBindir(line);
    try {
      expect(toolVersion("pg_dump", fake.env)).toBe(version);
    } finally {
      fake.remove();
    }
  });

  it("names the program when it is missing or prints no version", () => {
    expect(() => toolVersion("pg_dump", { PG_BINDIR: "/nonexistent/bin" })).toThrow(
      "pg_dump not found or not runnable at /nonexistent/bin/pg_dump",
    );
    const fake = fakeBindir("hello");
    try {
      expect(() => toolVersion("pg_dump", fake.env)).toThrow(
        /pg_dump --version printed no PostgreSQL version: "hello"/,
      );
    } finally {
      fake.remove();
    }
  });

  describe("the older-than-the-server guard", () => {
    const db = useFreshDatabase();
    let s3: TestS3;
    beforeAll(async () => {
      s3 = await startS3();
      await s3.createBucket("backups");
    });
    afterAll(async () => {
      await s3?.stop();
    });

    it.each([
      "pg_dump (PostgreSQL) 14.10",
      "pg_dump (PostgreSQL) 14.10 (Debian 14.10-1.pgdg120+1)",
      "pg_dump (PostgreSQL) 14.11 (Ubuntu 14.11-0ubuntu0.22.04.1)",
    ])("refuses %j against the PostgreSQL 15 server, before dumping anything", async (line) => {
      const fake = fakeBindir(line);
      try {
        await expect(
          runBackup({ databaseUrl: db().url, s3: s3.client, bucket: "backups", env: fake.env }),
        ).rejects.toThrow(
          /^pg_dump 14\.1[01] is older than the server \(15\.\d+\); it cannot dump it: install the PostgreSQL 15 client$/,
        );
        expect((await s3.client.send(new ListObjectsV2Command({ Bucket: "backups" }))).Contents ?? []).toEqual([]);
      } finally {
        fake.remove();
      }
    });
  });
});
