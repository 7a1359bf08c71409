// The app's life: one instance only, a window that survives its close button, and a quit that
// drains deliveries and hands the daemon its URL back before the process ends.

import type { App, BrowserWindow } from 'electron';

/**
 * Upper bound on the quit-time cleanup when the controller has not said its own (it has not
 * started yet). A running controller's closeBudgetMs is the sum of its two bounded steps, the
 * daemon hand-back and the dispatcher's drain, plus a margin; the quit waits that long. After it
 * the app exits anyway: a quit must never hang (with the outbox, what is still pending is sent
 * at the next start).
 */
export const QUIT_CLEANUP_TIMEOUT_MS = 6000;

/** Exit code after the quit sequence: cleanup problems are logged, not reported as a crash. */
const EXIT_OK = 0;

/**
 * Takes the single-instance lock. Returns false when another instance holds it (the caller quits
 * at once); otherwise a later launch calls `onSecondInstance` here (to show the window).
 */
export function claimSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'on'>, onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => onSecondInstance());
  return true;
}

export interface QuitSequenceOptions {
  /** the cleanup: controller.close() */
  cleanup(): Promise<void>;
  /** the bound, read when the quit starts (the controller's close budget is known only by then) */
  timeoutMs?: number | (() => number | undefined);
  /** where a failed or timed-out cleanup is reported */
  onCleanupError?(err: unknown): void;
}

export interface QuitSequence {
  /** true from the first quit request on: the window's close button then really closes */
  isQuitting(): boolean;
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cleanup did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The first 'before-quit' is held back (preventDefault) while the cleanup runs, bounded by
 * `timeoutMs`; then the app exits, whether the cleanup succeeded, failed or timed out. Further
 * quit requests meanwhile are held back too: the cleanup runs once.
 */
export function installQuitSequence(app: Pick<App, 'on' | 'exit'>, opts: QuitSequenceOptions): QuitSequence {
  let quitting = false;
  let cleanupStarted = false;
  app.on('before-quit', (event) => {
    quitting = true;
    event.preventDefault();
    if (cleanupStarted) return;
    cleanupStarted = true;
    // app.exit, not app.quit: quit would emit 'before-quit' again and run the window close
    // handlers; everything that needed closing has just been closed.
    void withTimeout(
      Promise.resolve().then(() => opts.cleanup()),
      (typeof opts.timeoutMs === 'function' ? opts.timeoutMs() : opts.timeoutMs) ?? QUIT_CLEANUP_TIMEOUT_MS,
    )
      .catch((err: unknown) => opts.onCleanupError?.(err))
      .finally(() => app.exit(EXIT_OK));
  });
  return { isQuitting: () => quitting };
}

/**
 * The close button hides the window to the tray (the app keeps delivering). Without a tray there
 * would be no way back to a hidden window, so it is minimised instead. While quitting it closes.
 */
export function keepWindowOnClose(
  win: Pick<BrowserWindow, 'on' | 'hide' | 'minimize'>,
  opts: { hasTray(): boolean; isQuitting(): boolean },
): void {
  win.on('close', (event) => {
    if (opts.isQuitting()) return;
    event.preventDefault();
    if (opts.hasTray()) win.hide();
    else win.minimize();
  });
}
