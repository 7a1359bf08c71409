// When V8 optimises a function. Its defaults suit web pages, where most code runs a few times:
// a function is compiled by Maglev after 400 calls and by Turbofan after 3,000, and waits another
// 500 after each change of its type feedback. The app is the other case: a long-running process
// whose delivery path (ingest, dispatcher, undici) is a few hundred functions run once or more per
// event, so waiting costs it thousands of slow events after every start. Measured with the warm-up
// curve worker (bench/workers/curve.ts, 5 alternated runs, events 1,001-6,000 after the start-up
// warm-up): 76 µs of CPU per event with these thresholds against 102 with V8's, medians.

import { setFlagsFromString } from 'node:v8';

/** Maglev after 150 calls, Turbofan after 1,000, 100 calls after a feedback change. */
export const TIERING_FLAGS = '--invocation-count-for-maglev=150 --invocation-count-for-turbofan=1000 --minimum-invocations-after-ic-update=100';

/** Sets the thresholds for this process (the hosts' first step; they only change when code is optimised). */
export function tuneTiering(): void {
  setFlagsFromString(TIERING_FLAGS);
}
