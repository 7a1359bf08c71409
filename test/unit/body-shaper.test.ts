import { describe, expect, it } from 'vitest';
import { bodyShaper } from '../../src/main/core/destinations/body-shaper';
import { sampleEvent } from '../fixtures/sample-events';

const rec = (payload: unknown): string => JSON.stringify(payload);

describe('bodyShaper', () => {
  it('pilot without extra headers needs no shaping; with headers it adds them to the same body', async () => {
    expect(bodyShaper({ format: 'pilot', headers: {} })).toBeNull();
    const shape = bodyShaper({ format: 'pilot', headers: { 'X-N8N-Token': 't' } })!;
    const r = rec(sampleEvent('conn.fin'));
    expect(await shape(r)).toEqual({ body: r, headers: { 'content-type': 'application/json', 'X-N8N-Token': 't' } });
  });

  it('a chat format renders the stored event; extra headers come last', async () => {
    const shape = bodyShaper({ format: 'ntfy', headers: { Authorization: 'Bearer tk_1' } })!;
    const out = await shape(rec(sampleEvent('handshake.approved')));
    expect(out.body).toContain('Node 42: trust handshake from node 2 approved');
    expect(out.headers).toMatchObject({ 'content-type': 'text/plain; charset=utf-8', Priority: '3', Authorization: 'Bearer tk_1' });
  });

  it('custom compiles once and fails per event with the reason', async () => {
    const shape = bodyShaper({ format: 'custom', template: 'data.missing', headers: {} })!;
    await expect(shape(rec(sampleEvent('conn.fin')))).rejects.toThrow(/produced nothing/);
    expect(() => bodyShaper({ format: 'custom', template: '{', headers: {} })).toThrow(/syntax/);
  });
});
