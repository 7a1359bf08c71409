// The main thread gives the ingest thread precedence for the CPU (ingest/yield-to-ingest.ts): read
// back from /proc, where Linux keeps a nice value per thread.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAIN_THREAD_NICE_STEPS } from '../../src/main/core/ingest/yield-to-ingest';
import { useCoreController } from '../fixtures/core-controller';

/** The nice value of a thread of this process (field 19 of its stat line). */
function niceOf(tid: string): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe.runIf(process.platform === 'linux')('main thread priority', () => {
  const core = useCoreController('yield');

  it('is lowered by MAIN_THREAD_NICE_STEPS below the ingest thread, which keeps the priority it started with', async () => {
    const self = readlinkSync('/proc/thread-self').split('/').pop()!;
    const before = niceOf(self);
    await core.start({ dataDir: `${core.dir}/data` });
    const others = readdirSync('/proc/self/task').filter((tid) => tid !== self);
    expect(niceOf(self)).toBe(Math.min(19, before + MAIN_THREAD_NICE_STEPS));
    // The threads started before it (the ingest thread among them) are where the host was.
    expect(others.map(niceOf)).toContain(before);
    // Once per process: a second controller does not lower it again.
    await core.stop();
    await core.start({ dataDir: `${core.dir}/data` });
    expect(niceOf(self)).toBe(Math.min(19, before + MAIN_THREAD_NICE_STEPS));
  });
});
