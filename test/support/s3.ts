// A real S3-protocol server for tests: s3rver (pure JS, in-process) on a free loopback port,
// storing objects in a fresh temp dir. Start one per test file:
//
//   let s3: TestS3;
//   beforeAll(async () => { s3 = await startS3(); await s3.createBucket("backups"); });
//   afterAll(() => s3.stop());
//
// Code under test gets `s3.env` (AWS_ENDPOINT_URL_S3 etc.) and builds its client with
// lambdas/lib/s3.ts createS3Client, exactly as the Lambdas do; `s3.client` is that client.
//
// s3rver 3.7 lacks AbortMultipartUpload and ListMultipartUploads; both are served here from its
// on-disk layout (without signature checks) so abort paths can be tested. Other gaps: no
// versioning, lifecycle, object lock, ListParts, UploadPartCopy, or checksum headers; a
// multipart object's ETag is a plain md5 (AWS: md5-of-md5s "-<parts>"); aws-chunked bodies
// are stored undecoded (hence createS3Client's checksum setting for custom endpoints).
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { createS3Client } from "../../lambdas/lib/s3";

export interface TestS3 {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** Environment for createS3Client / code under test: endpoint, region, s3rver's fixed credentials. */
  env: NodeJS.ProcessEnv;
  /** createS3Client(env). */
  client: S3Client;
  /** Directory holding the buckets (s3rver's layout). */
  directory: string;
  createBucket(name: string): Promise<void>;
  /** Closes the server (cutting requests in flight) and removes its directory unless `keep`. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

// s3rver keeps an in-progress multipart upload in <bucket>/._S3rver_uploads/<uploadId>/ with
// files `key`, `metadata` and one per part; CompleteMultipartUpload removes that directory.
const uploadsDir = (root: string, bucket: string) => path.join(root, bucket, "._S3rver_uploads");
const xmlEscape = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);

function sendXml(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "Content-Type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function s3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendXml(res, status, `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`);
}

/** Handles the multipart operations s3rver lacks; returns false to let s3rver answer. */
function multipartExtras(root: string, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const url = new URL(req.url ?? "/", "http://localhost");
  const [bucket, ...keyParts] = url.pathname.slice(1).split("/").map(decodeURIComponent);
  if (!bucket || !fs.existsSync(path.join(root, bucket))) return false;
  const uploadId = url.searchParams.get("uploadId");

  if (req.method === "DELETE" && keyParts.length && uploadId !== null) {
    const dir = path.join(uploadsDir(root, bucket), uploadId);
    if (!/^[0-9a-f]+$/.test(uploadId) || !fs.existsSync(dir)) {
      s3Error(res, 404, "NoSuchUpload", "The specified multipart upload does not exist.");
    } else {
      fs.rmSync(dir, { recursive: true, force: true });
      res.writeHead(204).end();
    }
    return true;
  }

  if (req.method === "GET" && !keyParts.join("") && url.searchParams.has("uploads")) {
    const prefix = url.searchParams.get("prefix") ?? "";
    const base = uploadsDir(root, bucket);
    const uploads = (fs.existsSync(base) ? fs.readdirSync(base) : [])
      .map((id) => {
        const dir = path.join(base, id);
        return { id, key: fs.readFileSync(path.join(dir, "key"), "utf8"), initiated: fs.statSync(dir).birthtime };
      })
      .filter((u) => u.key.startsWith(prefix))
      .sort((a, b) => a.key.localeCompare(b.key) || a.id.localeCompare(b.id));
    const items = uploads
      .map(
        (u) =>
          `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${u.id}</UploadId>` +
          `<Initiated>${u.initiated.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
      )
      .join("");
    sendXml(
      res,
      200,
      `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<Bucket>${xmlEscape(bucket)}</Bucket><Prefix>${xmlEscape(prefix)}</Prefix><MaxUploads>1000</MaxUploads>` +
        `<IsTruncated>false</IsTruncated>${items}</ListMultipartUploadsResult>`,
    );
    return true;
  }
  return false;
}

// s3rver seals ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17+) no longer
// offers: any truncated listing (MaxKeys below the matches) answered 500. Its tokens only need to
// round-trip through s3rver itself, so DES is served by AES-128-CBC with the key and IV doubled.
const original = { cipher: crypto.createCipheriv, decipher: crypto.createDecipheriv };
const widen = (b: crypto.BinaryLike) => Buffer.concat([Buffer.from(b as Buffer), Buffer.from(b as Buffer)]);
// The module object itself (s3rver's `require("crypto")`), not TypeScript's read-only namespace copy.
const mutableCrypto = require("node:crypto") as { -readonly [K in keyof typeof crypto]: (typeof crypto)[K] };
if (mutableCrypto.createCipheriv === original.cipher) {
  mutableCrypto.createCipheriv = ((alg: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, opts?: any) =>
    alg === "des"
      ? original.cipher("aes-128-cbc", widen(key as Buffer), widen(iv!))
      : original.cipher(alg, key, iv, opts)) as typeof crypto.createCipheriv;
  mutableCrypto.createDecipheriv = ((alg: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, opts?: any) =>
    alg === "des"
      ? original.decipher("aes-128-cbc", widen(key as Buffer), widen(iv!))
      : original.decipher(alg, key, iv, opts)) as typeof crypto.createDecipheriv;
}

/** `directory`: serve the buckets another server left there (a restart after `stop({ keep: true })`). */
export async function startS3(options: { directory?: string } = {}): Promise<TestS3> {
  const directory = options.directory ?? fs.mkdtempSync(path.join(os.tmpdir(), "elegance-s3-"));
  // We serve s3rver's request handler from our own server, so the extras can go first.
  const s3rver = new S3rver({ directory, silent: true });
  const handler = s3rver.callback();
  const server = http.createServer((req, res) => {
    try {
      if (!multipartExtras(directory, req, res)) handler(req, res);
    } catch (e) {
      s3Error(res, 500, "InternalError", String(e));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env: NodeJS.ProcessEnv = {
    AWS_REGION: "eu-west-3",
    AWS_ENDPOINT_URL_S3: endpoint,
    // s3rver verifies SigV4 signatures against this fixed key pair.
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
  };
  const client = createS3Client(env);
  return {
    endpoint,
    env,
    client,
    directory,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async stop(options = {}) {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.keep) fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * One S3 server for the test file and a new, empty bucket for each test:
 *   const logs = useBucketPerTest("logs");   // then logs.s3().client, logs.bucket()
 */
export function useBucketPerTest(prefix: string): { s3: () => TestS3; bucket: () => string } {
  let server: TestS3 | undefined;
  let bucket = "";
  let made = 0;
  beforeAll(async () => {
    server = await startS3();
  });
  afterAll(() => server?.stop());
  beforeEach(async () => {
    bucket = `${prefix}-${++made}`;
    await server!.createBucket(bucket);
  });
  return { s3: () => server!, bucket: () => bucket };
}
