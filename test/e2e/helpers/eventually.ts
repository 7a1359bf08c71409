// expect.poll with room for a slow CI machine: the UI settles within a frame or two, but a loaded
// machine may take longer. Not a timing assertion: only an upper bound on waiting.

import { expect } from 'vitest';

const SETTLE_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 50;

export function eventually<T>(read: () => T | Promise<T>): ReturnType<typeof expect.poll<T>> {
  return expect.poll(read, { timeout: SETTLE_TIMEOUT_MS, interval: POLL_INTERVAL_MS });
}
