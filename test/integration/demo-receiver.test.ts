// The demo receiver refuses every DEMO_FLAKY_EVERY-th event once, to show a retry. "Send test
// event" posts event_id 0, which is outside the event stream: it must not be the one refused.

import { afterEach, expect, it } from 'vitest';
import { DEMO_FLAKY_EVERY, startDemoReceiver, type DemoReceiver } from '../../src/main/core/demo/demo-receiver';
import { Dispatcher } from '../../src/main/core/delivery/dispatcher';
import { DeliveryLog } from '../../src/main/core/delivery/delivery-log';

let receiver: DemoReceiver | null = null;
let dispatcher: Dispatcher | null = null;

afterEach(async () => {
  await dispatcher?.close();
  await receiver?.close();
  dispatcher = null;
  receiver = null;
});

it('answers the first test event 2xx, and still refuses a real event once', async () => {
  receiver = await startDemoReceiver();
  dispatcher = new Dispatcher({ url: receiver.url, timeoutMs: 2000 }, new DeliveryLog());
  const test = await dispatcher.sendTest();
  expect(test).toMatchObject({ ok: true, status: 200 });

  const post = (id: number) =>
    fetch(receiver!.url, { method: 'POST', body: JSON.stringify({ event_id: id, event: 'conn.fin' }) }).then((r) => r.status);
  expect(await post(DEMO_FLAKY_EVERY)).toBe(503);
  expect(await post(DEMO_FLAKY_EVERY)).toBe(200);
});
