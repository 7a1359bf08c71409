// The daemon's IPC framing: a 4-byte big-endian length N, then N bytes of message (one command
// byte + payload). Both sides refuse N > MAX_FRAME_BYTES (common/ipcutil: MaxMessageSize); the
// daemon drops a client that sends one, and so does this decoder, without buffering it first.

/** Largest message either side accepts: 1 MiB (ipcutil.MaxMessageSize = 1 << 20). */
export const MAX_FRAME_BYTES = 1_048_576;
/** Size of the big-endian length in front of every message. */
export const LENGTH_PREFIX_BYTES = 4;

/** The peer broke the framing rules; the connection cannot be trusted any more. */
export class FrameProtocolError extends Error {
  override name = 'FrameProtocolError';
}

/** One frame: [u32 length][cmd][payload]. Throws when the message would exceed the limit. */
export function encodeFrame(cmd: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const length = 1 + payload.length;
  if (length > MAX_FRAME_BYTES) {
    throw new FrameProtocolError(`message of ${length} bytes is over the ${MAX_FRAME_BYTES}-byte IPC limit`);
  }
  const frame = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + length);
  frame.writeUInt32BE(length, 0);
  frame[LENGTH_PREFIX_BYTES] = cmd & 0xff;
  frame.set(payload, LENGTH_PREFIX_BYTES + 1);
  return frame;
}

/**
 * Streaming decoder: feed it whatever the socket delivers, get whole messages back. Partial
 * frames wait for more bytes; a chunk may hold many frames. The body of a frame is allocated
 * once its length is known and valid, so an oversized length costs nothing to reject.
 */
export class FrameDecoder {
  private readonly header = Buffer.alloc(LENGTH_PREFIX_BYTES);
  private headerFilled = 0;
  private body: Buffer | null = null;
  private bodyFilled = 0;
  private failure: FrameProtocolError | null = null;

  /** Returns the complete messages in `chunk` (plus any carried over). Throws on a bad length. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failure) throw this.failure;
    const out: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.body === null) {
        const take = Math.min(LENGTH_PREFIX_BYTES - this.headerFilled, chunk.length - i);
        this.header.set(chunk.subarray(i, i + take), this.headerFilled);
        this.headerFilled += take;
        i += take;
        if (this.headerFilled < LENGTH_PREFIX_BYTES) break;
        const length = this.header.readUInt32BE(0);
        if (length > MAX_FRAME_BYTES) {
          this.failure = new FrameProtocolError(
            `frame length ${length} is over the ${MAX_FRAME_BYTES}-byte IPC limit`,
          );
          throw this.failure;
        }
        this.headerFilled = 0;
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
      }
      const take = Math.min(this.body.length - this.bodyFilled, chunk.length - i);
      this.body.set(chunk.subarray(i, i + take), this.bodyFilled);
      this.bodyFilled += take;
      i += take;
      if (this.bodyFilled === this.body.length) {
        out.push(this.body);
        this.body = null;
      }
    }
    return out;
  }

  /** Bytes of an unfinished frame (header or body) held right now; 0 between frames. */
  get pendingBytes(): number {
    return this.body === null ? this.headerFilled : LENGTH_PREFIX_BYTES + this.bodyFilled;
  }

  /** The length the unfinished frame announced, or null when none is in progress. */
  get pendingFrameLength(): number | null {
    return this.body === null ? null : this.body.length;
  }
}
