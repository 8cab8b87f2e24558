// gzip on several cores: the stream is cut into blocks, each block is compressed as its own
// gzip member on libuv's thread pool, and the members are emitted in order. Concatenated
// members are one valid gzip file (RFC 1952 §2.2); gunzip and zlib.createGunzip read it whole.
// Why: pg_dump compresses on one thread, which caps a backup at one core's deflate speed.
import { availableParallelism } from "node:os";
import { Transform, type TransformCallback } from "node:stream";
import { gzip } from "node:zlib";
import { promisify } from "node:util";

const gzipAsync = promisify(gzip);
// zlib's output buffers: at 128 KiB and more (the image's MALLOC_MMAP_THRESHOLD_) malloc maps
// each apart and unmaps it when freed; zlib's 16 KiB default fragments the heap, whose resident
// size then stays at its high-water mark.
const OUT_CHUNK = 128 * 1024;

export interface ParallelGzipOptions {
  /** Uncompressed bytes per gzip member. @default 1 MiB */
  blockBytes?: number;
  /** Members compressed at once. @default the machine's cores */
  parallelism?: number;
  /**
   * Blocks read ahead while `parallelism` are being compressed (memory: parallelism +
   * readAhead + 1 input blocks, reused). Without one the input stops whenever every worker is
   * busy, and pg_dump and its server backend wait instead of preparing the next block; more
   * than one bought no speed on the benchmark, only memory.
   * @default 1
   */
  readAhead?: number;
  /** zlib level; 6 is what pg_dump and gzip use by default. @default 6 */
  level?: number;
}

interface Member {
  result: Promise<Buffer>;
  done?: Buffer;
}

export class ParallelGzip extends Transform {
  private readonly blockBytes: number;
  private readonly parallelism: number;
  private readonly depth: number;
  private readonly level: number;
  private block: Buffer | undefined;
  private filled = 0;
  /** Input blocks whose compression is over, to fill again: no dead 1 MiB block awaits the GC. */
  private readonly free: Buffer[] = [];
  /** Started, in input order; at most `parallelism` of them compressing, the rest waiting to start. */
  private readonly members: Member[] = [];
  private running = 0;
  private readonly waiting: { block: Buffer; resolve: (out: Buffer) => void; reject: (e: Error) => void }[] = [];
  /** Uncompressed bytes read so far. */
  bytesIn = 0;

  constructor(options: ParallelGzipOptions = {}) {
    super();
    this.blockBytes = options.blockBytes ?? 1024 * 1024;
    this.parallelism = Math.max(1, options.parallelism ?? availableParallelism());
    this.depth = this.parallelism + Math.max(0, options.readAhead ?? 1);
    this.level = options.level ?? 6;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytesIn += chunk.length;
    // Copied once into the current block (a pipe hands out 64 KiB chunks).
    for (let at = 0; at < chunk.length;) {
      this.block ??= this.free.pop() ?? Buffer.allocUnsafeSlow(this.blockBytes);
      const n = chunk.copy(this.block, this.filled, at);
      this.filled += n;
      at += n;
      if (this.filled === this.blockBytes) this.enqueue();
    }
    this.settle(false).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    if (this.filled) this.enqueue();
    this.settle(true).then(() => done(), done);
  }

  private enqueue(): void {
    const whole = this.block!;
    const block = whole.subarray(0, this.filled);
    this.block = undefined;
    this.filled = 0;
    const compressed = new Promise<Buffer>((resolve, reject) => this.waiting.push({ block, resolve, reject }));
    // zlib has read the block once it answers (the output is its own buffer).
    void compressed.then(
      () => this.free.push(whole),
      () => undefined,
    );
    const member: Member = { result: compressed.then((out) => (member.done = out)) };
    member.result.catch(() => undefined); // read in order by settle(); never unhandled meanwhile
    this.members.push(member);
    this.startWaiting();
  }

  /** Starts waiting blocks while fewer than `parallelism` compress. */
  private startWaiting(): void {
    while (this.running < this.parallelism && this.waiting.length) {
      const { block, resolve, reject } = this.waiting.shift()!;
      this.running += 1;
      gzipAsync(block, { level: this.level, chunkSize: OUT_CHUNK }).then(
        (out) => {
          this.running -= 1;
          this.startWaiting();
          resolve(out);
        },
        (error: Error) => {
          this.running -= 1;
          reject(error);
        },
      );
    }
  }

  /** Emits finished members in order; waits on the oldest while the queue is full (or until all are out at the end). */
  private async settle(final: boolean): Promise<void> {
    for (;;) {
      while (this.members[0]?.done) this.push(this.members.shift()!.done);
      if (!this.members.length || (!final && this.members.length < this.depth)) return;
      this.push(await this.members.shift()!.result);
    }
  }
}
