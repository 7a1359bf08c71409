// A destination that refuses every event (a wrong token, a URL that is not the hook, a format it
// rejects) answers each one with a 4xx: after REFUSAL_STREAK in a row the window names it, in the
// receiver's own words, and the shell notifies once. One delivery ends the streak; an event that
// fails another way neither adds to it nor ends it.

import { REFUSAL_STREAK, type DeliveryRecord, type Refusal } from '../../../shared/delivery';

/** Characters of a receiver's answer quoted when it refuses every event. */
const REFUSAL_REASON_CHARS = 80;

export class RefusalStreak {
  private refusal: Refusal | null = null;

  constructor(
    /** told once, when the streak reaches REFUSAL_STREAK (the view changes) */
    private readonly reached: () => void,
  ) {}

  /** A delivery: the destination takes events after all. */
  end(): void {
    this.refusal = null;
  }

  /** `rec` ended refused (client_error): one more in a row, quoting its last answer. */
  note(rec: DeliveryRecord): void {
    const last = rec.attempts[rec.attempts.length - 1];
    const status = last?.status ?? 0;
    const words = (last?.responseSnippet ?? '').replace(/\s+/g, ' ').trim().slice(0, REFUSAL_REASON_CHARS);
    const reason = words || `HTTP ${status}`;
    const count = (this.refusal?.count ?? 0) + 1;
    this.refusal = { status, reason, count };
    if (count === REFUSAL_STREAK) this.reached();
  }

  /** The streak once it is long enough to say the destination refuses everything (a copy); else null. */
  view(): Refusal | null {
    return this.refusal && this.refusal.count >= REFUSAL_STREAK ? { ...this.refusal } : null;
  }
}
