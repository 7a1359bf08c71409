// The history export written to a file (the desktop app's save dialog, the headless host's data
// folder), rather than streamed to an HTTP answer. Shared by the controller and the Electron shell,
// so both report a failed write the same way.

import { createWriteStream, fchmod } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Result } from '../../../shared/bridge';
import type { DeliveryRecord } from '../../../shared/delivery';
import { OWNER_ONLY_FILE_MODE } from '../data-folder';
import { writeJsonLines } from './history-export';

/** The data folder's sub-folder the headless host exports into. */
export const EXPORTS_DIR = 'exports';

/** Writes the history as JSON Lines to `path` (replacing it); resolves with the records written. */
export async function writeHistoryFile(path: string, pages: Iterable<DeliveryRecord[]>): Promise<number> {
  // Owner-only: an export holds every payload. The mode applies to a new file; a file replaced
  // keeps its own, so it is set again once open.
  const out = createWriteStream(path, { mode: OWNER_ONLY_FILE_MODE });
  out.once('open', (fd: number) => fchmod(fd, OWNER_ONLY_FILE_MODE, () => undefined));
  // Listening from the start: an open error (a folder that went away) is emitted while the pages
  // are still being written, and an 'error' nobody listens to would end the process.
  const done = finished(out);
  done.catch(() => undefined);
  try {
    const records = await writeJsonLines(out, pages);
    out.end();
    await done;
    return records;
  } catch (err) {
    out.destroy();
    // A half-written export looks complete to whoever opens it later: better no file at all.
    await unlink(path).catch(() => undefined);
    throw err;
  }
}

/** writeHistoryFile as a bridge answer: where it went and how many, or why it could not be written. */
export async function exportHistoryTo(
  path: string,
  pages: () => Iterable<DeliveryRecord[]>,
): Promise<Result<{ path: string; records: number }>> {
  try {
    const records = await writeHistoryFile(path, pages());
    return { ok: true, value: { path, records } };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { code: 'export_failed', message: `The history could not be written to ${path}: ${reason}` } };
  }
}
