// The two wake-ups a client's workers get from the clock rather than from an event: the earliest
// waiting retry falling due, and the end of the breaker's cool-down (half-open by the clock alone,
// so the window must be told and the held events woken to probe). Both check the clock when they
// fire and wait again if it is not there yet (see armDue).

import type { CircuitBreaker } from './breaker';
import type { RetryWaitList } from './retry-wait-list';
import type { WorkerWakeups } from './worker-wakeups';

export class ClockAlarms {
  constructor(
    private readonly d: {
      readonly wakeups: WorkerWakeups;
      readonly waiting: RetryWaitList;
      readonly breaker: CircuitBreaker;
      readonly now: () => number;
      /** the client stopped: no retry is due any more */
      readonly stop: AbortSignal;
      /** the client's view changed (the window is told) */
      readonly changed: () => void;
    },
  ) {}

  /**
   * Wakes the workers when the earliest waiting event is due. One already due needs no timer: a
   * worker sees it on its next look, or it is held (paused, asleep, breaker) by something that
   * wakes the workers itself when it ends.
   */
  armDue(): void {
    const { wakeups } = this.d;
    wakeups.cancel('due');
    const at = this.d.waiting.nextDueAt();
    if (at === null || this.d.stop.aborted) return;
    const wait = at - this.d.now();
    if (wait <= 0) {
      wakeups.wake();
      return;
    }
    // Node counts a timer from the event loop's cached time, which lags the clock after a long
    // turn: it can fire before `at`. Then it waits again (armDue wakes once it is due), or
    // the workers would look, see nothing due, and sleep with nothing left to wake them.
    wakeups.alarm('due', wait, { onFire: () => this.armDue() });
  }

  /** The breaker turns half-open by the clock alone; tell the window, and wake held events to probe. */
  announceCooldownEnd(): void {
    const { breaker, now } = this.d;
    const endsAt = breaker.cooldownEndsAt;
    if (endsAt === null) return;
    this.d.wakeups.alarm('cooldown', endsAt - now(), {
      onFire: () => {
        // Fired early by the clock (see armDue): the held events would find it still open.
        if (now() < endsAt && breaker.cooldownEndsAt === endsAt) {
          this.announceCooldownEnd();
          return;
        }
        this.d.changed();
        this.d.wakeups.wake();
      },
    });
  }
}
