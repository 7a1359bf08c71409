// POST /api/destinations/preview through the contract's answer path: the argument checked by the
// call's schema, then the body each format would send, nothing sent.

import { describe, expect, it } from 'vitest';
import type { BridgeHandlers } from '../../src/shared/bridge';
import { answerCall } from '../../src/shared/call-answer';
import { httpStatusOf } from '../../src/shared/api-errors';
import { previewBody } from '../../src/main/core/destinations/destination-preview';

const handlers = { previewDestination: previewBody } as unknown as BridgeHandlers;
const preview = (arg: unknown) => answerCall('previewDestination', handlers, arg);

describe('previewDestination', () => {
  it('shows each format body for the given event', async () => {
    const event = { event: 'handshake.approved', node_id: 42, data: { peer_node_id: 7 } };
    const slack = await preview({ format: 'slack', event });
    expect(slack).toMatchObject({ ok: true, value: { contentType: 'application/json' } });
    expect(JSON.parse((slack as { value: { body: string } }).value.body).text).toBe('Node 42: trust handshake from node 7 approved');
    const ntfy = await preview({ format: 'ntfy', event });
    expect(ntfy).toMatchObject({ ok: true, value: { contentType: 'text/plain; charset=utf-8', headers: { Priority: '3', Title: 'Pilot: handshake.approved - node 42' } } });
    const pilot = await preview({ format: 'pilot', event });
    expect(JSON.parse((pilot as { value: { body: string } }).value.body)).toEqual({ event_id: 1, ...event });
  });

  it('defaults to the test sample, and runs a custom template', async () => {
    const r = await preview({ format: 'custom', template: '{"t": text, "e": event}' });
    expect(r).toEqual({ ok: true, value: { contentType: 'application/json', body: '{"t":"This node: test event from Pilot Webhook Desktop","e":"webhook.test"}', headers: {} } });
  });

  it('bad input: unknown format, template syntax with position, a template on a chat format, a bad event', async () => {
    expect(await preview({ format: 'telegram' })).toMatchObject({ ok: false, error: { code: 'invalid_argument', message: expect.stringMatching(/format/) } });
    const syntax = await preview({ format: 'custom', template: '{"a": (}' });
    expect(syntax).toMatchObject({ ok: false, error: { code: 'bad_template', message: expect.stringMatching(/position \d+ \(line 1, column \d+\)/) } });
    expect(httpStatusOf('bad_template')).toBe(400);
    expect(await preview({ format: 'slack', template: '{"a": 1}' })).toMatchObject({ ok: false, error: { code: 'bad_template' } });
    expect(await preview({ format: 'slack', event: { node_id: 1 } })).toMatchObject({ ok: false, error: { code: 'bad_event', message: expect.stringMatching(/"event"/) } });
    expect(await preview({ format: 'slack', extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
  });
});
