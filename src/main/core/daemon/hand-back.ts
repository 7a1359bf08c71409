// Handing delivery back to the daemon at quit, bounded in time: the quit's budget is this plus
// the dispatcher's drain, so neither may take longer than it says. When the daemon is down the
// URL goes into its own persistence (webhook_url) so its next start delivers there; a URL
// someone else has set meanwhile is never overwritten.

import { DaemonError, IpcClient } from './ipc-client';
import { readDaemonWebhookFiles, startUrl, writePersistedUrl, type DaemonWebhookFiles } from './daemon-webhook-files';
import type { DaemonProcess } from './daemon-process';
import { sourceWords } from './link-findings';
import { errorText } from '../../../shared/error-text';

/** A local socket accepts at once or not at all: a second is plenty, and leaves the rest for SetWebhook. */
export const HAND_BACK_CONNECT_MS = 1000;
/**
 * The whole hand-back: connect, a Health read (the last counters of our link) and SetWebhook.
 * The daemon answers SetWebhook once its old webhook client has drained what it still had for
 * our ingest — which stays open and answers at once during the hand-back, so that is its queue
 * at a few ms each, not the plugin's 5 s worst case (a slow receiver). The quit adds its drain.
 */
export const HAND_BACK_BUDGET_MS = 3000;
/** The daemon answers Health inline, ahead of everything: no answer in this long means the connection is stuck. */
export const HAND_BACK_HEALTH_MS = 500;

export interface HandBackInput {
  socketPath: string;
  /** the open connection, when there is one */
  client: IpcClient | null;
  /** '' clears */
  target: string;
  ingestUrl: string;
  daemonHome: string;
  daemonProcess: DaemonProcess | null;
  /** the daemon's last Health before the hand-back, for the hop counters */
  onHealth?: (health: Record<string, unknown>) => void;
  budgetMs?: number;
}

export interface HandBackResult {
  ok: boolean;
  /** what happened, in words */
  text: string;
}

export async function handBack(input: HandBackInput): Promise<HandBackResult> {
  const budget = input.budgetMs ?? HAND_BACK_BUDGET_MS;
  const deadline = Date.now() + budget;
  const left = (): number => Math.max(1, deadline - Date.now());
  const files = await readDaemonWebhookFiles(input.daemonHome);
  if (files.persisted !== null && files.persisted !== input.ingestUrl) {
    return { ok: true, text: `left the daemon's webhook as ${files.persisted}: someone else set it while the app ran` };
  }
  let conn = input.client && !input.client.closed ? input.client : null;
  try {
    conn ??= await IpcClient.connect(input.socketPath, Math.min(HAND_BACK_CONNECT_MS, left()));
  } catch (err) {
    return daemonDown(files, input, errorText(err));
  }
  try {
    try {
      input.onHealth?.(await conn.health(Math.min(HAND_BACK_HEALTH_MS, left())));
    } catch {
      // A stuck connection (the timeout closed it): one fresh try for what matters, SetWebhook.
      if (conn !== input.client) conn.close();
      conn = await IpcClient.connect(input.socketPath, Math.min(HAND_BACK_CONNECT_MS, left()));
    }
    await conn.setWebhook(input.target, left());
    return { ok: true, text: input.target ? `handed delivery back to the daemon: ${input.target}` : "cleared the daemon's webhook URL" };
  } catch (err) {
    if (err instanceof DaemonError) {
      return { ok: false, text: `the daemon refused to take ${input.target} back: ${err.daemonMessage}; it still posts to the app's closed ingest` };
    }
    // The request is on the wire: the daemon applies it once drained. Its persistence says the same meanwhile.
    const wrote = await persistFor(files, input);
    return { ok: false, text: `the daemon did not confirm the hand-back within ${budget} ms (${errorText(err)})${wrote}` };
  } finally {
    if (conn !== input.client) conn.close();
  }
}

async function daemonDown(files: DaemonWebhookFiles, input: HandBackInput, why: string): Promise<HandBackResult> {
  const wrote = await persistFor(files, input);
  return { ok: wrote !== '', text: `the daemon is not reachable at ${input.socketPath} (${why})${wrote || '; its webhook_url could not be written'}` };
}

/** Writes the target into webhook_url (when it still names our ingest) and says what the next start will do. */
async function persistFor(files: DaemonWebhookFiles, input: HandBackInput): Promise<string> {
  try {
    await writePersistedUrl(files, input.target === '' ? null : input.target);
  } catch {
    return '';
  }
  const next = startUrl({ ...files, persisted: input.target || null }, input.daemonProcess);
  const wrote = input.target ? `wrote ${input.target} to ${files.persistedPath}` : `removed ${files.persistedPath}`;
  if (next.url === (input.target || null)) {
    return `; ${wrote}, so its next start delivers ${input.target ? `there` : 'nowhere'}`;
  }
  return `; ${wrote}, but at its next start ${sourceWords(next.source)} wins: it will deliver to ${next.url ?? 'nothing'}`;
}
