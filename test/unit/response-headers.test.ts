// The bounded, masked response headers an attempt keeps (shared/response-headers.ts).
import { describe, expect, it } from 'vitest';
import {
  keepResponseHeaders,
  MASKED_HEADER_VALUE,
  MAX_RESPONSE_HEADER_CHARS,
  MAX_RESPONSE_HEADER_VALUE_CHARS,
  MAX_RESPONSE_HEADERS,
} from '../../src/shared/response-headers';

describe('keepResponseHeaders', () => {
  it('keeps names lower-case in order, joins repeated values, leaves out absent ones', () => {
    expect(keepResponseHeaders({ 'Content-Type': 'text/plain', Vary: ['a', 'b'], gone: undefined })).toEqual({
      'content-type': 'text/plain',
      vary: 'a, b',
    });
    expect(keepResponseHeaders({})).toBeUndefined();
  });

  it('masks every value that may be a credential', () => {
    const kept = keepResponseHeaders({
      'set-cookie': ['a=1', 'b=2'],
      authorization: 'Bearer x',
      'x-api-key': 'k',
      'x-session-id': 's',
      'x-upstream-token': 't',
      'www-authenticate': 'Basic realm="n8n"',
      date: 'Tue, 01 Dec 2026 12:00:00 GMT',
    })!;
    for (const name of ['set-cookie', 'authorization', 'x-api-key', 'x-session-id', 'x-upstream-token']) {
      expect(kept[name]).toBe(MASKED_HEADER_VALUE);
    }
    expect(kept['www-authenticate']).toBe('Basic realm="n8n"');
    expect(kept.date).toBe('Tue, 01 Dec 2026 12:00:00 GMT');
  });

  it('is bounded in count, value length and total size, and says how many it left out', () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < MAX_RESPONSE_HEADERS + 5; i++) many[`x-h${i}`] = 'v';
    const kept = keepResponseHeaders(many)!;
    expect(Object.keys(kept)).toHaveLength(MAX_RESPONSE_HEADERS + 1);
    expect(kept['…']).toBe('5 more not kept');

    const long = keepResponseHeaders({ 'x-long': 'y'.repeat(5000) })!;
    expect(long['x-long']).toHaveLength(MAX_RESPONSE_HEADER_VALUE_CHARS);
    expect(long['x-long']!.endsWith('…')).toBe(true);

    const big: Record<string, string> = {};
    for (let i = 0; i < 20; i++) big[`x-big-${i}`] = 'z'.repeat(MAX_RESPONSE_HEADER_VALUE_CHARS);
    const bounded = keepResponseHeaders(big)!;
    const size = Object.entries(bounded).filter(([n]) => n !== '…').reduce((s, [n, v]) => s + n.length + v.length, 0);
    expect(size).toBeLessThanOrEqual(MAX_RESPONSE_HEADER_CHARS);
    expect(bounded['…']).toMatch(/^\d+ more not kept$/);
  });

  it('takes a header named __proto__ as a name, not as the prototype', () => {
    const kept = keepResponseHeaders(JSON.parse('{"__proto__": "x"}') as Record<string, string>)!;
    expect(Object.hasOwn(kept, '__proto__')).toBe(true);
    expect(kept.__proto__).toBe('x');
  });
});
