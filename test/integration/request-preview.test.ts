// The details panel lists the headers a delivery carries (secret-derived values masked). The list
// must match what the sender really sends, with and without a secret.

import { afterEach, expect, it } from 'vitest';
import { DeliveryLog } from '../../src/main/core/delivery/delivery-log';
import { Dispatcher } from '../../src/main/core/delivery/dispatcher';
import { sentHeaders } from '../../src/renderer/request-preview';
import { unaccounted } from '../../src/shared/delivery';
import { startReceiver, type Receiver } from '../fixtures/receiver';

/** Headers undici adds by itself; the app does not choose them. */
const TRANSPORT = new Set(['host', 'connection', 'content-length']);

let rx: Receiver | null = null;
let d: Dispatcher | null = null;
afterEach(async () => {
  await d?.close();
  await rx?.close();
  d = null;
  rx = null;
});

for (const secret of [null, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']) {
  it(`lists exactly the headers a delivery carries (${secret ? 'signed' : 'unsigned'})`, async () => {
    rx = await startReceiver();
    d = new Dispatcher({ url: rx.url, secret, timeoutMs: 2000, retryBackoffMs: 10 }, new DeliveryLog());
    d.submit({ event: 'conn.fin' }, 'daemon');
    d.submit({ event: 'conn.fin' }, 'daemon');
    await rx.waitForRequests(2);
    const sent = Object.keys(rx.requests[0]!.headers).filter((h) => !TRANSPORT.has(h)).sort();
    const listed = sentHeaders(secret !== null).map(([name]) => name.toLowerCase()).sort();
    expect(listed).toEqual(sent);
    // webhook-id is one per event (the same on its retries), so two events differ; the panel
    // must not call it "set per attempt".
    expect(rx.requests[0]!.headers['webhook-id']).not.toBe(rx.requests[1]!.headers['webhook-id']);
    const id = sentHeaders(secret !== null).find(([name]) => name === 'webhook-id');
    expect(id?.[1]).not.toMatch(/per attempt/);
    await d.close();
    expect(unaccounted(d.stats())).toBe(0);
  });
}
