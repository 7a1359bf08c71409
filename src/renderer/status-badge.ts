// The badge at the top: one of the states of statusOf (the primary's, or another destination's
// worse trouble, named), with a live countdown while a circuit is open. Screen readers hear the
// state when it changes, not every tick of the countdown.

import type { AppState } from '../shared/bridge';
import type { Outcome } from '../shared/delivery';
import { countsDown, statusOf } from '../shared/status';
import { byId, setText } from './dom';

/** Countdown refresh while the circuit is open: often enough that a whole second never lags. */
const COUNTDOWN_TICK_MS = 250;

export class StatusBadge {
  private readonly badge = byId('badge', HTMLElement);
  private readonly label = byId('badge-label', HTMLElement);
  private readonly detail = byId('badge-detail', HTMLElement);
  private readonly announce = byId('badge-announce', HTMLElement);
  private state: AppState | null = null;
  private lastFinished: Outcome | null = null;
  /** the kind (and whose) last announced */
  private kind: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  update(state: AppState, lastFinished: Outcome | null): void {
    this.state = state;
    this.lastFinished = lastFinished;
    this.render();
    const counting = countsDown(state);
    if (counting && this.timer === null) this.timer = setInterval(() => this.render(), COUNTDOWN_TICK_MS);
    if (!counting && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private render(): void {
    if (this.state === null) return;
    const status = statusOf(this.state, Date.now(), this.lastFinished);
    if (this.badge.dataset.kind !== status.kind) this.badge.dataset.kind = status.kind;
    setText(this.label, status.label);
    // The label may be cut to fit the window: the whole of it on hover.
    if (this.badge.title !== status.label) this.badge.title = status.label;
    setText(this.detail, status.detail);
    // Another destination's trouble is its own state: a change of whose it is is announced too.
    const said = `${status.kind}:${status.destinationId ?? ''}`;
    if (said !== this.kind) {
      this.kind = said;
      // The countdown is left out: a live region that changes every second is only noise.
      setText(this.announce, `Delivery state: ${status.label.replace(/, retrying in \d+ s$/, '')}`);
    }
  }
}
