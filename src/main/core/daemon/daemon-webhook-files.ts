// The daemon's own record of its webhook URL, and what it delivered to before the app linked.
// The daemon picks its URL at start from: its -webhook flag > "webhook" in ~/.pilot/config.json
// (pilotctl writes it) > ~/.pilot/webhook_url (the webhook plugin writes it on every IPC
// SetWebhook and deletes it on clear); afterwards every SetWebhook replaces it. So the URL in
// use right before the app links is webhook_url when it was written after the daemon started,
// else the start URL. `~` is the daemon's HOME, which may not be the app's.

import { readFile, stat, unlink, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { DaemonProcess } from './daemon-process';
import { PILOT_CONFIG_FILE, PILOT_DIR, PILOT_WEBHOOK_URL_FILE } from './socket-discovery';

/** The plugin writes webhook_url owner-only; so does the app when it writes it for the daemon. */
export const WEBHOOK_URL_FILE_MODE = 0o600;

export interface DaemonWebhookFiles {
  configPath: string;
  /** "webhook" of config.json, trimmed, or null */
  configWebhook: string | null;
  /** set when config.json exists but is not a JSON object (the words pilotctl uses) */
  configProblem: string | null;
  persistedPath: string;
  /** the contents of webhook_url (trimmed), or null when there is none */
  persisted: string | null;
  persistedMtimeMs: number | null;
}

export async function readDaemonWebhookFiles(daemonHome: string): Promise<DaemonWebhookFiles> {
  const dir = path.join(daemonHome, PILOT_DIR);
  const configPath = path.join(dir, PILOT_CONFIG_FILE);
  const persistedPath = path.join(dir, PILOT_WEBHOOK_URL_FILE);
  let configWebhook: string | null = null;
  let configProblem: string | null = null;
  const configText = await readFile(configPath, 'utf8').catch(() => null);
  if (configText !== null) {
    const parsed = parseConfig(configText);
    if ('problem' in parsed) configProblem = `config file is corrupt; using defaults: ${configPath} (${parsed.problem})`;
    else if (typeof parsed.value.webhook === 'string' && parsed.value.webhook.trim() !== '') configWebhook = parsed.value.webhook.trim();
  }
  let persisted: string | null = null;
  let persistedMtimeMs: number | null = null;
  try {
    const [text, st] = await Promise.all([readFile(persistedPath, 'utf8'), stat(persistedPath)]);
    persisted = text.trim() === '' ? null : text.trim();
    persistedMtimeMs = st.mtimeMs;
  } catch {
    // no persisted URL
  }
  return { configPath, configWebhook, configProblem, persistedPath, persisted, persistedMtimeMs };
}

/** Parses config.json as pilotctl does: a JSON object, else "corrupt" with the parser's reason. */
export function parseConfig(text: string): { value: Record<string, unknown> } | { problem: string } {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { value: value as Record<string, unknown> };
    return { problem: 'not a JSON object' };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

export type OriginSource = 'flag' | 'config' | 'webhook_url' | 'none';

/** What the daemon delivered to right before the app linked it. */
export interface WebhookOrigin {
  /** the URL, or null for none (or not known) */
  url: string | null;
  source: OriginSource;
  /** false when a -webhook flag could not be ruled out (the daemon's command line was not readable) */
  known: boolean;
  /** the daemon pointed at an ingest of this app left by an earlier run: what it had before is not here */
  leftover: boolean;
}

/** Where a daemon (re)started now would deliver first: flag > config.json > webhook_url. */
export function startUrl(files: DaemonWebhookFiles, proc: DaemonProcess | null): { url: string | null; source: OriginSource } {
  if (proc?.webhookFlag) return { url: proc.webhookFlag, source: 'flag' };
  if (files.configWebhook) return { url: files.configWebhook, source: 'config' };
  if (files.persisted) return { url: files.persisted, source: 'webhook_url' };
  return { url: null, source: 'none' };
}

export function deliveredBefore(
  files: DaemonWebhookFiles,
  proc: DaemonProcess | null,
  isOwnIngestUrl: (url: string) => boolean,
): WebhookOrigin {
  const setSinceStart =
    proc?.startedAt != null && files.persisted !== null && files.persistedMtimeMs !== null && files.persistedMtimeMs > proc.startedAt;
  const pick = setSinceStart ? { url: files.persisted, source: 'webhook_url' as const } : startUrl(files, proc);
  if (pick.url !== null && isOwnIngestUrl(pick.url)) return { url: null, source: pick.source, known: false, leftover: true };
  return { ...pick, known: proc !== null, leftover: false };
}

/**
 * Writes (or, for null, deletes) webhook_url the way the plugin does: the URL with no newline,
 * owner-only, replaced atomically. Used when the daemon is down at quit, so its next start
 * delivers to the restored URL instead of the closed ingest.
 */
export async function writePersistedUrl(files: DaemonWebhookFiles, url: string | null): Promise<void> {
  if (url === null) {
    await unlink(files.persistedPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return;
  }
  const tmp = `${files.persistedPath}.pilot-webhook-${process.pid}`;
  await writeFile(tmp, url, { mode: WEBHOOK_URL_FILE_MODE });
  await rename(tmp, files.persistedPath);
}
