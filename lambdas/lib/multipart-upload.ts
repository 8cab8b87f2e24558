// A stream uploaded to S3 in parts of exactly `partSize` bytes, each copied once into one of a
// few buffers that are reused (queueSize uploading + 1 filling): memory stays at that, and no
// dead part awaits the garbage collector. @aws-sdk/lib-storage's Upload concatenates each part
// anew (Buffer.concat) and keeps the rest as a view of it, so a backup held 2-3 times more.
// A body shorter than one part is sent with one PutObject; on any failure the multipart upload
// is aborted (no parts left behind) and the first error thrown.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";

/** S3's limits: parts of 5 MiB at least (but the last), 10,000 parts at most. */
const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export interface MultipartUploadOptions {
  /** Bytes per part (the last may be shorter); memory holds queueSize + 1 of them. */
  partSize: number;
  /** Parts uploading at once. @default 2 */
  queueSize?: number;
}

export async function multipartUpload(
  s3: S3Client,
  params: Omit<PutObjectCommandInput, "Body">,
  body: AsyncIterable<Uint8Array>,
  options: MultipartUploadOptions,
): Promise<void> {
  const { partSize, queueSize = 2 } = options;
  if (!(partSize >= MIN_PART)) throw new Error(`part size ${partSize} is below S3's 5 MiB minimum`);
  const { Bucket, Key } = params;
  // As lib-storage does: on AWS (checksums when supported) every part carries a CRC32 that the
  // completion repeats; against endpoints set to checksum only when required, none.
  const crc = (await s3.config.requestChecksumCalculation()) === "WHEN_SUPPORTED";
  const free: Buffer[] = [];
  let part: Buffer = Buffer.allocUnsafeSlow(partSize);
  let filled = 0;
  let uploadId: string | undefined;
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;

  const send = async (buffer: Buffer, partNumber: number): Promise<void> => {
    if (partNumber > MAX_PARTS)
      throw new Error(
        `s3://${Bucket}/${Key} needs more than ${MAX_PARTS} parts of ${partSize} bytes: raise the part size`,
      );
    uploadId ??= (
      await s3.send(new CreateMultipartUploadCommand({ ...params, ...(crc ? { ChecksumAlgorithm: "CRC32" } : {}) }))
    ).UploadId;
    const r = await s3.send(
      new UploadPartCommand({
        Bucket,
        Key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: buffer,
        ...(crc ? { ChecksumAlgorithm: "CRC32" } : {}),
      }),
    );
    parts[partNumber - 1] = {
      PartNumber: partNumber,
      ETag: r.ETag,
      ...(r.ChecksumCRC32 ? { ChecksumCRC32: r.ChecksumCRC32 } : {}),
    };
  };
  // The first part creates the upload; the others wait for it rather than each creating one.
  let created: Promise<void> | undefined;
  const start = (buffer: Buffer, partNumber: number): void => {
    const job = (async () => {
      if (partNumber > 1) await created;
      await send(buffer, partNumber);
    })();
    if (partNumber === 1) created = job;
    const tracked: Promise<void> = job.then(
      () => {
        inFlight.delete(tracked);
        free.push(buffer);
      },
      (error: unknown) => {
        inFlight.delete(tracked);
        failure ??= error;
      },
    );
    inFlight.add(tracked);
  };

  let partNumber = 0;
  try {
    for await (const chunk of body) {
      for (let at = 0; at < chunk.length;) {
        const n = Math.min(partSize - filled, chunk.length - at);
        part.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled < partSize) continue;
        while (inFlight.size >= queueSize) await Promise.race(inFlight);
        if (failure) throw failure;
        start(part, ++partNumber);
        part = free.pop() ?? Buffer.allocUnsafeSlow(partSize);
        filled = 0;
      }
      if (failure) throw failure;
    }
    if (partNumber === 0) {
      await s3.send(new PutObjectCommand({ ...params, Body: part.subarray(0, filled) }));
      return;
    }
    if (filled) start(part.subarray(0, filled), ++partNumber);
    await Promise.all(inFlight);
    if (failure) throw failure;
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
    );
  } catch (error) {
    // Nothing left running, then no parts left behind.
    await Promise.all(inFlight);
    await created?.catch(() => undefined);
    if (uploadId)
      await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => undefined);
    throw error;
  }
}
