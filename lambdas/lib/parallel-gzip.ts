// gzip on several cores: the stream is cut into blocks, each block is compressed as its own
// gzip member on libuv's thread pool, and the members are emitted in order. Concatenated
// members are one valid gzip file (RFC 1952 §2.2); gunzip and zlib.createGunzip read it whole.
// Why: pg_dump compresses on one thread, which caps a backup at one core's deflate speed.
import { availableParallelism } from "node:os";
import { Transform, type TransformCallback } from "node:stream";
import { gzip } from "node:zlib";
import { promisify } from "node:util";

const gzipAsync = promisify(gzip);

export interface ParallelGzipOptions {
  /** Uncompressed bytes per gzip member. @default 1 MiB */
  blockBytes?: number;
  /** Members compressed at once (memory: about twice this many blocks). @default the machine's cores */
  parallelism?: number;
  /** zlib level; 6 is what pg_dump and gzip use by default. @default 6 */
  level?: number;
}

export class ParallelGzip extends Transform {
  private readonly blockBytes: number;
  private readonly parallelism: number;
  private readonly level: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly inFlight: Promise<Buffer>[] = [];

  constructor(options: ParallelGzipOptions = {}) {
    super();
    this.blockBytes = options.blockBytes ?? 1024 * 1024;
    this.parallelism = Math.max(1, options.parallelism ?? availableParallelism());
    this.level = options.level ?? 6;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.drain(false).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    this.drain(true).then(() => done(), done);
  }

  /** Starts every full block (and the last partial one at the end); waits on the oldest when the pool is full. */
  private async drain(final: boolean): Promise<void> {
    while (this.pendingBytes >= this.blockBytes || (final && this.pendingBytes > 0)) {
      const all = Buffer.concat(this.pending, this.pendingBytes);
      const take = Math.min(this.blockBytes, all.length);
      this.start(all.subarray(0, take));
      this.pending = take < all.length ? [all.subarray(take)] : [];
      this.pendingBytes = all.length - take;
      while (this.inFlight.length >= this.parallelism) this.push(await this.inFlight.shift()!);
    }
    if (final) while (this.inFlight.length) this.push(await this.inFlight.shift()!);
  }

  private start(block: Buffer): void {
    const compressed = gzipAsync(block, { level: this.level });
    compressed.catch(() => undefined); // read in order by drain(); never unhandled meanwhile
    this.inFlight.push(compressed);
  }
}
