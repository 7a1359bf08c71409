// WAL checkpoints of the history database, run off the event loop: on a worker thread with its
// own SQLite connection, instead of inside whichever commit of the main thread crosses SQLite's
// auto-checkpoint threshold (1,000 pages). Such a commit copied every page of the WAL into the
// database file and fsynced both files (synchronous=NORMAL only fsyncs at checkpoints) before it
// returned: a stall of several milliseconds, on a busy disk tens, for every event in flight.
//
// The main connection turns auto-checkpoints off (wal_autocheckpoint = 0) while this runs and asks
// for a checkpoint after its writes, at most every CHECKPOINT_INTERVAL_MS. The worker runs a
// PASSIVE checkpoint: it never waits for the writer, and the writer never waits for it (WAL lets
// both work at once). Once a checkpoint has copied the whole WAL, the next commit starts the WAL
// over from its beginning, so the file stays small.
//
// Durability is unchanged: a commit is in the WAL (the OS's hands) before it returns, as before;
// a checkpoint cut short by a crash or kill is redone from the WAL at the next open (SQLite's own
// recovery). When the worker cannot run (it failed to start, died, or the file vanished) the main
// connection gets its auto-checkpoint back: slower, never unbounded.

import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** At most one checkpoint per this many ms: a few hundred pages each at a thousand events/s. */
export const CHECKPOINT_INTERVAL_MS = 1000;
/** SQLite's default threshold, given back to the main connection when the worker is gone. */
export const AUTO_CHECKPOINT_PAGES = 1000;
/**
 * The WAL size past which the main connection checkpoints itself although the worker is alive
 * (it is stuck: a disk that does not answer): a bound on the file, never reached normally.
 */
export const WAL_MAX_BYTES = 64 * 1_048_576;

/** The worker's code: plain CommonJS, evaluated (no file to ship beside the bundles). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { fileMustExist: true });
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  const [r] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage({ pages: r.log, copied: r.checkpointed, busy: r.busy });
});
`;

/** What the main connection must be able to do for its checkpointer. */
export interface CheckpointTarget {
  /** the database file (the WAL is this path + `-wal`) */
  readonly path: string;
  /** sets the main connection's wal_autocheckpoint (0 = off) */
  setAutoCheckpoint(pages: number): void;
  /** a PASSIVE checkpoint on the main connection (the fallback when the worker is stuck) */
  checkpointHere(): void;
}

export interface CheckpointResult {
  /** frames in the WAL, and how many of them are in the database file now */
  pages: number;
  copied: number;
  busy: number;
}

export interface WalCheckpointerOptions {
  intervalMs?: number;
  walMaxBytes?: number;
  /** told once when the worker is gone and the main connection checkpoints again */
  onFallback?: (reason: string) => void;
  /** each finished checkpoint (tests) */
  onCheckpoint?: (r: CheckpointResult) => void;
}

export class WalCheckpointer {
  private worker: Worker | null;
  private running = false;
  private dirty = false;
  private lastAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private failed: string | null = null;
  private closed = false;
  private readonly intervalMs: number;
  private readonly walMaxBytes: number;

  constructor(
    private readonly target: CheckpointTarget,
    private readonly opts: WalCheckpointerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? CHECKPOINT_INTERVAL_MS;
    this.walMaxBytes = opts.walMaxBytes ?? WAL_MAX_BYTES;
    let worker: Worker | null = null;
    try {
      const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: target.path, sqlite } });
    } catch (err) {
      this.worker = null;
      this.fallBack(`the checkpoint worker could not start (${(err as Error).message})`);
      return;
    }
    this.worker = worker;
    // Never what keeps the app (or a test run) alive.
    worker.unref();
    worker.on('message', (r: CheckpointResult) => this.finished(r));
    worker.on('error', (err) => this.fallBack(`the checkpoint worker failed (${err.message})`));
    worker.on('exit', (code) => {
      if (!this.closed) this.fallBack(`the checkpoint worker exited (code ${code})`);
    });
    target.setAutoCheckpoint(0);
  }

  /** Off the event loop (false: the worker is gone and the main connection checkpoints itself). */
  get active(): boolean {
    return this.failed === null && !this.closed;
  }

  /** A checkpoint runs or is due (writes since the last one began). */
  get pending(): boolean {
    return this.running || this.dirty;
  }

  /** Why checkpoints are back on the main connection, if they are. */
  get problem(): string | null {
    return this.failed;
  }

  /** The main connection wrote: a checkpoint is due within the interval. */
  written(): void {
    if (!this.active) return;
    this.dirty = true;
    if (this.walBytes() > this.walMaxBytes) {
      // The worker is stuck (or far behind): bound the file from here.
      this.target.checkpointHere();
      return;
    }
    this.schedule();
  }

  /** Ends the worker; it closes its connection (the last one to close tidies the WAL away). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.worker?.postMessage('close');
  }

  /** For tests: ends the worker the way a crash of its thread would. */
  kill(): Promise<number> {
    return this.worker?.terminate() ?? Promise.resolve(0);
  }

  private schedule(): void {
    if (this.running || this.timer !== null || !this.dirty) return;
    const wait = this.lastAt + this.intervalMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, wait);
      this.timer.unref();
      return;
    }
    this.dirty = false;
    this.running = true;
    this.lastAt = Date.now();
    this.worker?.postMessage('checkpoint');
  }

  private finished(r: CheckpointResult): void {
    this.running = false;
    this.opts.onCheckpoint?.(r);
    if (this.active) this.schedule();
  }

  private fallBack(reason: string): void {
    if (this.failed !== null || this.closed) return;
    this.failed = reason;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      this.target.setAutoCheckpoint(AUTO_CHECKPOINT_PAGES);
    } catch {
      // The main connection is closed already: nothing left to checkpoint.
    }
    this.opts.onFallback?.(reason);
  }

  private walBytes(): number {
    return statSync(`${this.target.path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  }
}
