// The test bed's S3: a real S3-protocol server on loopback, reached through createS3Client.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createS3Client } from "../../lambdas/lib/s3";
import { startS3, type TestS3 } from "../support/s3";

const BUCKET = "elegance-backups";
let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket(BUCKET);
});
afterAll(() => s3?.stop());

/** Deterministic pseudo-random bytes, produced lazily in 1 MiB chunks. */
function* chunks(totalBytes: number, seed = 1): Generator<Buffer> {
  let x = seed;
  for (let done = 0; done < totalBytes;) {
    const n = Math.min(1 << 20, totalBytes - done);
    const b = Buffer.allocUnsafe(Math.ceil(n / 4) * 4);
    for (let i = 0; i < b.length; i += 4) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      b.writeUInt32LE(x, i);
    }
    done += n;
    yield b.subarray(0, n);
  }
}

async function readAll(client: S3Client, key: string): Promise<Buffer> {
  const r = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("createS3Client", () => {
  test("with AWS_ENDPOINT_URL_S3: that endpoint, path style, checksums only when required", async () => {
    const c = createS3Client({
      AWS_REGION: "eu-west-3",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9",
      AWS_ACCESS_KEY_ID: "k",
      AWS_SECRET_ACCESS_KEY: "s",
    });
    expect(await c.config.region()).toBe("eu-west-3");
    expect(c.config.forcePathStyle).toBe(true);
    expect(await c.config.requestChecksumCalculation()).toBe("WHEN_REQUIRED");
    expect(await c.config.credentials()).toMatchObject({ accessKeyId: "k", secretAccessKey: "s" });
    const endpoint = await c.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe("http://127.0.0.1:9");
  });

  test("without it: the SDK's defaults (virtual-hosted AWS, default checksums)", async () => {
    const c = createS3Client({ AWS_REGION: "eu-west-3", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" });
    expect(await c.config.region()).toBe("eu-west-3");
    expect(c.config.forcePathStyle).toBeFalsy();
    expect(await c.config.requestChecksumCalculation()).toBe("WHEN_SUPPORTED");
  });
});

describe("against the local S3 server", () => {
  test("PutObject of a file stream and GetObject round-trip byte for byte", async () => {
    const file = path.join(s3.directory, "..", `${path.basename(s3.directory)}-upload.bin`);
    const data = Buffer.concat([...chunks(300_000, 5)]);
    fs.writeFileSync(file, data);
    try {
      await s3.client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: "small/file.bin",
          Body: fs.createReadStream(file),
          ContentLength: data.length,
        }),
      );
    } finally {
      fs.rmSync(file);
    }
    const back = await readAll(s3.client, "small/file.bin");
    expect(back.length).toBe(data.length);
    expect(sha256(back)).toBe(sha256(data));
  });

  test("why createS3Client turns default checksums off here: s3rver stores aws-chunked framing as data", async () => {
    const plain = new S3Client({
      region: "eu-west-3",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    try {
      await plain.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: "chunked",
          Body: Readable.from(["hello ", "world"]),
          ContentLength: 11,
        }),
      );
      const back = await readAll(s3.client, "chunked");
      expect(back.toString()).not.toBe("hello world");
      expect(back.toString()).toContain("x-amz-checksum-crc32");
    } finally {
      plain.destroy();
    }
  });

  test("a ~20 MB multipart Upload streamed from a generator reads back with the same size and sha-256", async () => {
    const size = 20 * 1024 * 1024 + 12_345;
    const expected = createHash("sha256");
    for (const b of chunks(size, 9)) expected.update(b);
    const parts = new Set<number>();
    const upload = new Upload({
      client: s3.client,
      params: { Bucket: BUCKET, Key: "dumps/rides.bin", Body: Readable.from(chunks(size, 9)) },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    upload.on("httpUploadProgress", (p) => p.part && parts.add(p.part));
    await upload.done();
    expect(parts.size).toBeGreaterThanOrEqual(3);

    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "dumps/rides.bin" }));
    expect(head.ContentLength).toBe(size);
    const back = await readAll(s3.client, "dumps/rides.bin");
    expect(back.length).toBe(size);
    expect(sha256(back)).toBe(expected.digest("hex"));

    const list = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "dumps/" }));
    expect(list.Contents?.map((o) => [o.Key, o.Size])).toEqual([["dumps/rides.bin", size]]);
    const pending = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect(pending.Uploads ?? []).toEqual([]);
  });

  test("an aborted multipart upload is listed until aborted, then leaves nothing behind", async () => {
    const key = "dumps/aborted.bin";
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    await s3.client.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(5 * 1024 * 1024, 1),
      }),
    );
    const listed = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: "dumps/" }));
    expect(listed.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([[key, UploadId]]);

    await s3.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId }));
    const after = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect(after.Uploads ?? []).toEqual([]);
    await expect(s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({
      name: "NotFound",
    });
    await expect(
      s3.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId })),
    ).rejects.toMatchObject({ name: "NoSuchUpload" });
  });

  test("Upload.abort() mid-stream rejects and leaves no object and no pending upload", async () => {
    const key = "dumps/interrupted.bin";
    async function* slow(): AsyncGenerator<Buffer> {
      for (const b of chunks(30 * 1024 * 1024, 3)) {
        yield b;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const upload = new Upload({
      client: s3.client,
      params: { Bucket: BUCKET, Key: key, Body: Readable.from(slow()) },
      partSize: 5 * 1024 * 1024,
    });
    let sawPart = false;
    upload.on("httpUploadProgress", (p) => {
      if (!sawPart && p.part) {
        sawPart = true;
        void upload.abort();
      }
    });
    await expect(upload.done()).rejects.toMatchObject({ name: "AbortError" });
    expect(sawPart).toBe(true);
    await expect(s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({
      name: "NotFound",
    });
    // done() rejects at once; lib-storage sends AbortMultipartUpload afterwards, in the background.
    const pending = async () =>
      (await s3.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? [];
    for (let i = 0; i < 50 && (await pending()).length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await pending()).toEqual([]);
  });
});
