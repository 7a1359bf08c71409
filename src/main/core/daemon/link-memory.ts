// What the daemon link remembers across runs, in the data folder (daemon-link.json, owner-only):
// - the ingest's port and token, so a restarted app has the same ingest URL and the daemon's
//   own retries (about 3 s) of what it posted meanwhile reach the new process;
// - the last time the link was seen alive and whether the last run handed delivery back, so a
//   start after a crash knows the gap and says what the daemon lost in it;
// - what the daemon delivered to before the app first linked it: once linked, the daemon's
//   files name our ingest, so only this record can restore the user's URL after a crash;
// - the user's answer when that could not be known (asked once).
// Without a data folder (tests) it lives in memory only.

import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OriginSource } from './daemon-webhook-files';

export const LINK_MEMORY_FILE = 'daemon-link.json';
/** It holds the ingest token (whoever has it can post events as the daemon): owner-only. */
export const LINK_MEMORY_FILE_MODE = 0o600;
/** Random bytes in the ingest path token (256 bits: not guessable, not enumerable). */
export const INGEST_TOKEN_BYTES = 32;

export interface RememberedOrigin {
  url: string | null;
  source: OriginSource | 'asked';
  known: boolean;
  /** epoch ms it was learned */
  at: number;
}

import { DAEMON_RESTORE_MODES, type DaemonRestoreMode } from '../../../shared/bridge-calls';

/** At quit: what the daemon had before the app linked, the app's primary URL, or nothing. */
export type RestoreMode = DaemonRestoreMode;
export const RESTORE_MODES: readonly RestoreMode[] = DAEMON_RESTORE_MODES;

export interface LinkMemoryData {
  ingest: { port: number; token: string } | null;
  lastAliveAt: number | null;
  /** true after a clean hand-back (or before any link): the daemon was not left pointing at us */
  handedBack: boolean;
  original: RememberedOrigin | null;
  /** the user's answer to "what should the daemon deliver to when the app quits?" */
  restoreChoice: { mode: RestoreMode; at: number } | null;
}

const EMPTY: LinkMemoryData = { ingest: null, lastAliveAt: null, handedBack: true, original: null, restoreChoice: null };

export class LinkMemory {
  private data: LinkMemoryData;
  /** set when the file could not be read or written: shown, never fatal */
  problem: string | null = null;

  constructor(private readonly file: string | null) {
    this.data = { ...EMPTY };
    if (file === null) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.problem = `cannot read ${file}: ${(err as Error).message}`;
      return;
    }
    try {
      this.data = { ...EMPTY, ...sanitise(JSON.parse(text)) };
    } catch (err) {
      this.problem = `${file} is corrupt (${(err as Error).message}); the daemon link starts afresh`;
    }
  }

  static inDataDir(dataDir: string | undefined): LinkMemory {
    return new LinkMemory(dataDir === undefined ? null : path.join(dataDir, LINK_MEMORY_FILE));
  }

  get(): Readonly<LinkMemoryData> {
    return this.data;
  }

  update(patch: Partial<LinkMemoryData>): void {
    this.data = { ...this.data, ...patch };
    if (this.file === null) return;
    try {
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.data), { mode: LINK_MEMORY_FILE_MODE });
      renameSync(tmp, this.file);
    } catch (err) {
      this.problem = `cannot write ${this.file}: ${(err as Error).message}`;
    }
  }

  /** The remembered ingest port and token, or a fresh token and "any port". */
  ingestEndpoint(): { port: number; token: string } {
    return this.data.ingest ?? { port: 0, token: randomBytes(INGEST_TOKEN_BYTES).toString('base64url') };
  }
}

function sanitise(value: unknown): Partial<LinkMemoryData> {
  if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
  const v = value as Record<string, unknown>;
  const out: Partial<LinkMemoryData> = {};
  const ingest = v.ingest as Record<string, unknown> | null | undefined;
  if (ingest && Number.isInteger(ingest.port) && typeof ingest.token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(ingest.token)) {
    out.ingest = { port: ingest.port as number, token: ingest.token };
  }
  if (typeof v.lastAliveAt === 'number') out.lastAliveAt = v.lastAliveAt;
  if (typeof v.handedBack === 'boolean') out.handedBack = v.handedBack;
  const o = v.original as Record<string, unknown> | null | undefined;
  if (o && (typeof o.url === 'string' || o.url === null) && typeof o.source === 'string') {
    out.original = { url: o.url as string | null, source: o.source as RememberedOrigin['source'], known: o.known === true, at: Number(o.at) || 0 };
  }
  const c = v.restoreChoice as Record<string, unknown> | null | undefined;
  if (c && RESTORE_MODES.includes(c.mode as RestoreMode)) out.restoreChoice = { mode: c.mode as RestoreMode, at: Number(c.at) || 0 };
  return out;
}
