// The dispatcher's small parts: backoff timing, Retry-After, the bounded queue, error
// categories, and the defaults against the daemon plugin's constants.
import { describe, expect, it } from 'vitest';
import {
  INITIAL_BACKOFF_MS,
  MAX_ATTEMPTS,
  MAX_RETRY_AFTER_MS,
  backoffDelay,
  parseRetryAfter,
} from '../../src/main/core/delivery/backoff';
import { BoundedQueue, DEFAULT_QUEUE_SIZE } from '../../src/main/core/delivery/queue';
import { classifyError } from '../../src/main/core/delivery/error-category';
import { DEFAULT_TIMEOUT_MS } from '../../src/main/core/delivery/http-sender';
import { DISPATCHER_DEFAULTS, DRAIN_MS } from '../../src/main/core/delivery/dispatcher';

describe('defaults equal the reference plugin', () => {
  it('queue 1024, timeout 5 s, 3 attempts, 1 s doubling, breaker 5 / 30 s, drain 5 s, serial', () => {
    expect(DEFAULT_QUEUE_SIZE).toBe(1024);
    expect(DEFAULT_TIMEOUT_MS).toBe(5000);
    expect(MAX_ATTEMPTS).toBe(3);
    expect(INITIAL_BACKOFF_MS).toBe(1000);
    expect(DRAIN_MS).toBe(5000);
    expect(DISPATCHER_DEFAULTS).toMatchObject({
      queueSize: 1024,
      timeoutMs: 5000,
      maxAttempts: 3,
      retryBackoffMs: 1000,
      jitter: false,
      circuitThreshold: 5,
      circuitCooldownMs: 30_000,
      drainMs: 5000,
      concurrency: 1,
    });
  });
});

describe('backoffDelay', () => {
  it('waits 1 s then 2 s, doubling, nothing before the first attempt', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, 1000))).toEqual([0, 1000, 2000, 4000]);
  });

  it('jitter stays within ±50 % of the base', () => {
    expect(backoffDelay(3, 1000, true, () => 0)).toBe(1000);
    expect(backoffDelay(3, 1000, true, () => 0.999)).toBe(2998);
    expect(backoffDelay(3, 1000, true, () => 0.5)).toBe(2000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  it('reads delta-seconds and HTTP dates, capped', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('86400', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('20', now, 500)).toBe(500);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
  });
});

describe('BoundedQueue', () => {
  it('is FIFO, refuses when full, and wraps around', () => {
    const q = new BoundedQueue<number>(2);
    expect(q.push(1)).toBe(true);
    expect(q.push(2)).toBe(true);
    expect(q.push(3)).toBe(false);
    expect(q.shift()).toBe(1);
    expect(q.push(4)).toBe(true);
    expect(q.size).toBe(2);
    expect(q.takeAll()).toEqual([2, 4]);
    expect(q.shift()).toBeUndefined();
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});

describe('classifyError', () => {
  const coded = (code: string, message = code, extra: object = {}) => Object.assign(new Error(message), { code }, extra);
  it('maps undici and system codes to categories, searching the cause chain', () => {
    expect(classifyError(coded('UND_ERR_CONNECT_TIMEOUT')).category).toBe('timeout');
    expect(classifyError(coded('UND_ERR_HEADERS_TIMEOUT')).category).toBe('timeout');
    expect(classifyError(coded('ECONNREFUSED', 'x', { address: '127.0.0.1', port: 9 }))).toEqual({
      category: 'refused',
      message: 'connection refused by 127.0.0.1:9',
    });
    expect(classifyError(coded('ENOTFOUND', 'x', { hostname: 'nope.invalid' }))).toEqual({
      category: 'dns',
      message: 'host not found: nope.invalid',
    });
    expect(classifyError(coded('UND_ERR_SOCKET', 'other side closed')).category).toBe('reset');
    expect(classifyError(coded('ECONNRESET')).category).toBe('reset');
    expect(classifyError(coded('DEPTH_ZERO_SELF_SIGNED_CERT')).category).toBe('tls');
    expect(classifyError(coded('ERR_TLS_CERT_ALTNAME_INVALID')).category).toBe('tls');
    expect(classifyError(new TypeError('fetch failed', { cause: coded('ECONNREFUSED') })).category).toBe('refused');
    expect(classifyError(new AggregateError([coded('ECONNREFUSED')], 'all failed')).category).toBe('refused');
    expect(classifyError(new Error('weird'))).toEqual({ category: 'network', message: 'weird' });
  });
  it("treats the egress guard's EPILOT_BLOCKED as blocked, with its message", () => {
    expect(classifyError(coded('EPILOT_BLOCKED', '10.0.0.1 is link-local: refused'))).toEqual({
      category: 'blocked',
      message: '10.0.0.1 is link-local: refused',
    });
  });
});
