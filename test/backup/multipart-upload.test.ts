// multipartUpload against the real S3-protocol server: the object is the exact input whatever
// the chunk sizes, parts are exactly the part size (reused buffers: no more than queueSize + 1
// allocated), a short body is one PutObject, and a failure leaves neither object nor parts.
import { randomBytes } from "node:crypto";
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { multipartUpload } from "../../lambdas/lib/multipart-upload";
import { startS3, type TestS3 } from "../support/s3";

const MiB = 1024 * 1024;
const PART = 5 * MiB;

async function* chunked(data: Buffer, failAt?: number): AsyncGenerator<Buffer> {
  for (let at = 0, i = 0; at < data.length; i++) {
    if (failAt !== undefined && at >= failAt) throw new Error("pg_dump failed (test)");
    const size = [1, 65_536, 7_000, 300_001, 3 * MiB][i % 5];
    yield data.subarray(at, at + size);
    at += size;
  }
}

describe("multipartUpload", () => {
  let s3: TestS3;
  let n = 0;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(async () => {
    await s3?.stop();
  });
  async function bucket(): Promise<string> {
    const name = `mpu-${++n}`;
    await s3.createBucket(name);
    return name;
  }
  const read = async (Bucket: string, Key: string) =>
    Buffer.from(await (await s3.client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray());
  const pending = async (Bucket: string) =>
    (await s3.client.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? [];
  const keys = async (Bucket: string) =>
    ((await s3.client.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => o.Key);

  it("uploads the exact bytes in parts of the part size, allocating queueSize + 1 part buffers", async () => {
    const name = await bucket();
    const data = randomBytes(4 * PART + 12_345);
    const allocations = jest.spyOn(Buffer, "allocUnsafeSlow");
    const sent = jest.spyOn(s3.client, "send");
    try {
      await multipartUpload(s3.client, { Bucket: name, Key: "a.dump" }, chunked(data), {
        partSize: PART,
        queueSize: 2,
      });
      expect(allocations.mock.calls.filter(([size]) => size === PART)).toHaveLength(3);
      const parts = sent.mock.calls
        .map(([command]) => command)
        .filter((c) => c instanceof UploadPartCommand) as UploadPartCommand[];
      expect(parts.map((c) => [c.input.PartNumber, (c.input.Body as Buffer).length])).toEqual([
        [1, PART],
        [2, PART],
        [3, PART],
        [4, PART],
        [5, 12_345],
      ]);
    } finally {
      allocations.mockRestore();
      sent.mockRestore();
    }
    expect((await read(name, "a.dump")).equals(data)).toBe(true);
    expect(await pending(name)).toEqual([]);
  });

  it("sends a body shorter than one part as one object, and an empty one as an empty object", async () => {
    const name = await bucket();
    const data = randomBytes(PART - 1);
    await multipartUpload(s3.client, { Bucket: name, Key: "short" }, chunked(data), { partSize: PART });
    await multipartUpload(s3.client, { Bucket: name, Key: "empty" }, chunked(Buffer.alloc(0)), { partSize: PART });
    expect((await read(name, "short")).equals(data)).toBe(true);
    expect((await read(name, "empty")).length).toBe(0);
    expect(await pending(name)).toEqual([]);
  });

  it("a body that fails after parts went out: its error, no object, no parts left", async () => {
    const name = await bucket();
    const data = randomBytes(5 * PART);
    await expect(
      multipartUpload(s3.client, { Bucket: name, Key: "cut" }, chunked(data, 3 * PART), { partSize: PART }),
    ).rejects.toThrow("pg_dump failed (test)");
    expect(await keys(name)).toEqual([]);
    expect(await pending(name)).toEqual([]);
  });

  it("refuses parts under S3's 5 MiB minimum", async () => {
    await expect(
      multipartUpload(s3.client, { Bucket: "any", Key: "k" }, chunked(Buffer.alloc(1)), { partSize: MiB }),
    ).rejects.toThrow(/below S3's 5 MiB minimum/);
  });
});
