// What a test event's answer means and what to do. Known refusals of chat services and auth walls
// come from the one table in shared/refusal-hints.ts (the same words as a destination's test);
// this adds what any receiver's answer says: gone, too large, its own error, nothing listening,
// no answer in time.

import type { TestResult } from '../shared/bridge';
import { refusalHint } from '../shared/refusal-hints';

const GENERIC: readonly { test(r: TestResult): boolean; hint: string }[] = [
  { test: (r) => r.status === 410, hint: 'The receiver says this webhook was removed: create a new one and paste its URL.' },
  { test: (r) => r.status === 413, hint: 'The receiver finds the event too large.' },
  { test: (r) => r.status !== undefined && r.status >= 500, hint: 'The receiver had an error of its own: its logs say why. Events are retried.' },
  { test: (r) => r.status === undefined && /refused/i.test(r.error ?? ''), hint: 'Nothing listens at that address and port: is the receiver running?' },
  { test: (r) => r.status === undefined && /timed out|timeout/i.test(r.error ?? ''), hint: 'The receiver did not answer in time: is it reachable from this machine?' },
];

/**
 * The host's own hint when it gave one, else the known refusal, else what the answer says in
 * general, else null. The window's URL field sends the daemon's JSON (the primary destination's
 * format when it is new), so the refusal is judged for that format.
 */
export function testHint(r: TestResult, url: string): string | null {
  if (r.hint) return r.hint;
  const known = refusalHint({
    format: 'pilot',
    url,
    ...(r.status === undefined ? {} : { status: r.status }),
    ...(r.responseSnippet === undefined ? {} : { snippet: r.responseSnippet }),
  });
  if (known !== null) return known;
  return GENERIC.find((g) => g.test(r))?.hint ?? null;
}

