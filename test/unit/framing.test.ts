import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameProtocolError, MAX_FRAME_BYTES, encodeFrame } from '../../src/main/core/daemon/framing';
import { CMD_HEALTH, CMD_HEALTH_OK, CMD_ERROR, replyCommandFor, describeCommand } from '../../src/main/core/daemon/commands';

const frames = [
  encodeFrame(CMD_HEALTH_OK, Buffer.from('{"status":"ok"}')),
  encodeFrame(0x0c, Buffer.from([1, 2, 3, 4, 5])),
  encodeFrame(CMD_HEALTH), // command byte only
  encodeFrame(CMD_ERROR, Buffer.from([0, 1, 0x68, 0x69])),
];
const stream = Buffer.concat(frames);
const messages = frames.map((f) => f.subarray(4));

describe('framing', () => {
  it('encodes a 4-byte big-endian length that counts the command byte and payload', () => {
    const f = encodeFrame(0x1b, Buffer.from('http://x'));
    expect(f.readUInt32BE(0)).toBe(9);
    expect(f[4]).toBe(0x1b);
    expect(f.subarray(5).toString()).toBe('http://x');
  });

  it('decodes the whole stream split at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder();
      const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(out).toEqual(messages);
      expect(d.pendingBytes).toBe(0);
    }
  });

  it('decodes the stream fed one byte at a time and all at once', () => {
    const d = new FrameDecoder();
    const out: Buffer[] = [];
    for (const b of stream) out.push(...d.push(Buffer.from([b])));
    expect(out).toEqual(messages);
    expect(new FrameDecoder().push(stream)).toEqual(messages);
  });

  it('reports a partial frame while one is in progress', () => {
    const d = new FrameDecoder();
    d.push(frames[0]!.subarray(0, 2));
    expect(d.pendingBytes).toBe(2);
    expect(d.pendingFrameLength).toBeNull();
    d.push(frames[0]!.subarray(2, 7));
    expect(d.pendingFrameLength).toBe(frames[0]!.length - 4);
    expect(d.pendingBytes).toBe(7);
  });

  it('accepts a frame of exactly MAX_FRAME_BYTES and refuses one byte more on both sides', () => {
    const max = encodeFrame(0x22, Buffer.alloc(MAX_FRAME_BYTES - 1, 0x61));
    expect(new FrameDecoder().push(max)[0]!.length).toBe(MAX_FRAME_BYTES);
    expect(() => encodeFrame(0x22, Buffer.alloc(MAX_FRAME_BYTES))).toThrow(FrameProtocolError);
  });

  it('rejects an oversized length from its header alone, and stays failed', () => {
    const d = new FrameDecoder();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    expect(() => d.push(header)).toThrow(/over the 1048576-byte IPC limit/);
    expect(() => d.push(encodeFrame(0x22))).toThrow(FrameProtocolError);
    const huge = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    expect(() => new FrameDecoder().push(huge)).toThrow(/4294967295/);
  });

  it('names the commands it knows', () => {
    expect(replyCommandFor(CMD_HEALTH)).toBe(CMD_HEALTH_OK);
    expect(describeCommand(0x21)).toBe('0x21 Health');
    expect(describeCommand(0x7f)).toBe('0x7F');
  });
});
