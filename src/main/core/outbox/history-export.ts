// The history as JSON Lines: one DeliveryRecord per line, oldest first, written a page at a time
// with back-pressure, so exporting a large history neither blocks delivery for long nor buffers
// the whole file in memory.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { DeliveryRecord } from '../../../shared/delivery';

/** The media type of JSON Lines (jsonlines.org). */
export const JSON_LINES_TYPE = 'application/jsonl; charset=utf-8';

/** `pilot-webhook-history-2024-05-01T12-00-00Z.jsonl`: sortable, and safe in every file system. */
export function exportFileName(now: number): string {
  return `pilot-webhook-history-${new Date(now).toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}.jsonl`;
}

/** Writes every page as JSON Lines; resolves with the number of records written. */
export async function writeJsonLines(out: Writable, pages: Iterable<DeliveryRecord[]>): Promise<number> {
  let count = 0;
  for (const page of pages) {
    if (out.destroyed) break;
    const text = page.map((r) => `${JSON.stringify(r)}\n`).join('');
    count += page.length;
    if (!out.write(text)) {
      // Whichever of the two waits does not happen is cancelled, or every page would leave its
      // listeners on the response.
      const done = new AbortController();
      const wait = (event: string): Promise<unknown> => once(out, event, { signal: done.signal }).catch(() => undefined);
      await Promise.race([wait('drain'), wait('close')]);
      done.abort();
    }
  }
  return count;
}
