// The sentence the Setup panel shows about what happens to an event its first attempts could not
// deliver: the later retries and how long they go on (durable mode), or that reference mode gives
// up like the daemon's own plugin. One place, so the wording is tested once.

import type { RetryPlanView } from '../shared/bridge';

export function describeRetryPlan(plan: RetryPlanView | undefined): string {
  if (plan === undefined) return '';
  const paused = plan.suspended ? ' Attempts are paused now: the machine sleeps or is offline.' : '';
  if (plan.mode === 'reference') {
    return `Reference mode (--no-outbox): 3 attempts per event as the daemon's plugin makes, then failed; events met while the circuit is open are skipped.${paused}`;
  }
  const later =
    plan.schedule === 'none'
      ? 'no later retries after the first 3 attempts'
      : `after the first 3 attempts, retries at ${plan.schedule.split(',').join(', ')} (±20 %)`;
  return `Undelivered events are kept: ${later}, for up to ${plan.maxEventAge} after arrival; while the circuit is open they wait in order.${paused}`;
}
