// writeJsonLines waits for 'drain' or 'close' between pages: the wait that did not happen must not
// leave its listener behind, or a long export piles listeners onto the response.

import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import type { DeliveryRecord } from '../../src/shared/delivery';
import { writeJsonLines } from '../../src/main/core/outbox/history-export';

function record(id: number): DeliveryRecord {
  return { id, event: 'conn.established', receivedAt: id, outcome: 'delivered', url: null, attempts: [], payload: '{}', source: 'demo' };
}

it('leaves no listeners on the output after many pages that waited for drain', async () => {
  const lines: string[] = [];
  // A tiny buffer, so every page waits for 'drain'.
  const out = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      setImmediate(done);
    },
  });
  const baseline = { close: out.listenerCount('close'), error: out.listenerCount('error'), drain: out.listenerCount('drain') };
  const pages = Array.from({ length: 30 }, (_, i) => [record(i + 1)]);
  const written = await writeJsonLines(out, pages);
  expect(written).toBe(30);
  expect(lines.join('').trim().split('\n')).toHaveLength(30);
  expect(out.listenerCount('close')).toBe(baseline.close);
  expect(out.listenerCount('error')).toBe(baseline.error);
  expect(out.listenerCount('drain')).toBe(baseline.drain);
  out.destroy();
});
