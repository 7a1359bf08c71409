// How a client's idle workers are woken: by what happens (a new event, a resume, an attempt that
// finished, closing) through wake(), and at a moment through alarms — the next retry due, the
// end of the breaker's cool-down, the rate gate opening. An alarm never keeps a headless process
// alive on its own (unref), and one of each kind is set at a time.

/** Node's timers hold at most a signed 32-bit number of ms; longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type AlarmKind = 'due' | 'cooldown' | 'rate';

export class WorkerWakeups {
  private waiters: (() => void)[] = [];
  private readonly alarms = new Map<AlarmKind, NodeJS.Timeout>();

  /** Resolves at the next wake(). */
  idle(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Lets every waiting worker look again. */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Wakes the workers in `ms` (0 or less: now). `onFire` instead decides what the moment does (it
   * may find the clock not there yet, and set the alarm again). Replaces the alarm of that kind,
   * unless `keep` and one is set already (the rate gate only ever opens later).
   */
  alarm(kind: AlarmKind, ms: number, opts: { keep?: boolean; onFire?: () => void } = {}): void {
    if (opts.keep && this.alarms.has(kind)) return;
    this.cancel(kind);
    const onFire = opts.onFire;
    if (ms <= 0 && onFire === undefined) {
      this.wake();
      return;
    }
    const timer = setTimeout(
      () => {
        this.alarms.delete(kind);
        if (onFire) onFire();
        else this.wake();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, ms)),
    );
    timer.unref();
    this.alarms.set(kind, timer);
  }

  cancel(kind: AlarmKind): void {
    const timer = this.alarms.get(kind);
    if (timer !== undefined) clearTimeout(timer);
    this.alarms.delete(kind);
  }

  /** Every alarm off (the client closed). */
  cancelAll(): void {
    for (const kind of [...this.alarms.keys()]) this.cancel(kind);
  }
}
