// ParallelGzip: gzip members compressed on the thread pool and emitted in order must read back
// as the exact input with the standard gunzip, whatever the block and chunk sizes.
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { gunzipSync, gzipSync } from "node:zlib";
import { partSizeFor } from "../../lambdas/backup/dump";
import { ParallelGzip } from "../../lambdas/lib/parallel-gzip";

const MiB = 1024 * 1024;

/** COPY-like text (compressible) with random runs (not), cut into chunks of varying size. */
function sample(bytes: number): Buffer {
  const parts: Buffer[] = [];
  for (let n = 0, i = 0; n < bytes; i++) {
    const part =
      i % 7 === 0
        ? randomBytes(3000)
        : Buffer.from(`${i}\tdriver-${i % 300}\t2026-11-${(i % 28) + 1}\t${(i * 37) % 10000}\tcompleted\n`.repeat(50));
    parts.push(part);
    n += part.length;
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

function* chunks(data: Buffer): Generator<Buffer> {
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = [1, 65_536, 7_000, 300_001][i % 4];
    yield data.subarray(at, at + size);
    at += size;
  }
}

async function compress(data: Buffer, options: ConstructorParameters<typeof ParallelGzip>[0]): Promise<Buffer> {
  return buffer(Readable.from(chunks(data)).pipe(new ParallelGzip(options)));
}

describe("ParallelGzip", () => {
  it.each([
    { blockBytes: 64 * 1024, parallelism: 4 },
    { blockBytes: 1 * MiB, parallelism: 2 },
    { blockBytes: 1 * MiB, parallelism: 1 },
    { blockBytes: 256 * 1024, parallelism: 2, readAhead: 0 },
    { blockBytes: 256 * 1024, parallelism: 1, readAhead: 6 },
  ])("reads back byte for byte with zlib's and the system's gunzip (%o)", async (options) => {
    const data = sample(5 * MiB + 12_345);
    const gz = await compress(data, options);
    expect(gunzipSync(gz).equals(data)).toBe(true);
    const system = spawnSync("gzip", ["-dc"], { input: gz, maxBuffer: 64 * MiB });
    expect(system.status).toBe(0);
    expect(system.stdout.equals(data)).toBe(true);
    // One member per block: the members are concatenated in input order.
    const members = Math.ceil(data.length / options.blockBytes);
    expect(gz.length).toBeLessThan(data.length);
    expect(gz.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(true);
    expect(countMembers(gz)).toBe(members);
  });

  it("compresses about as well as one gzip stream at the same level", async () => {
    const data = sample(4 * MiB);
    const parallel = await compress(data, { blockBytes: MiB, level: 6 });
    const single = gzipSync(data, { level: 6 });
    expect(parallel.length / single.length).toBeLessThan(1.02);
  });

  it("counts the bytes it read", async () => {
    const data = sample(3 * MiB + 7);
    const gzip = new ParallelGzip({ blockBytes: MiB });
    await buffer(Readable.from(chunks(data)).pipe(gzip));
    expect(gzip.bytesIn).toBe(data.length);
  });

  it("emits nothing for no input, and one member for a short one", async () => {
    expect((await compress(Buffer.alloc(0), {})).length).toBe(0);
    const gz = await compress(Buffer.from("one line\n"), {});
    expect(gunzipSync(gz).toString()).toBe("one line\n");
  });
});

describe("partSizeFor", () => {
  it("uses S3's 5 MiB minimum for small databases and keeps a 50 GB one under 10,000 parts", () => {
    expect(partSizeFor(200 * MiB)).toBe(5 * MiB);
    expect(partSizeFor(40 * 1024 * MiB)).toBe(5 * MiB);
    const big = 50 * 1024 * MiB;
    expect(partSizeFor(big) % MiB).toBe(0);
    expect(big / partSizeFor(big)).toBeLessThan(10_000);
  });
});

/**
 * Counts gzip members: a member ends at the first later header (1f 8b 08) where the bytes
 * before it inflate whole; a header pattern inside compressed data leaves a truncated member.
 */
function countMembers(gz: Buffer): number {
  let n = 0;
  let rest = gz;
  while (rest.length) {
    let next = rest.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), 10);
    while (next !== -1) {
      try {
        gunzipSync(rest.subarray(0, next));
        break;
      } catch {
        next = rest.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), next + 1);
      }
    }
    n += 1;
    rest = next === -1 ? Buffer.alloc(0) : rest.subarray(next);
  }
  return n;
}
