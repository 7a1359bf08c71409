// pause() holds queued events but lets those in flight finish. Closing (quit, or a URL change)
// while paused must therefore still wait (within the drain time) for the event in flight, instead
// of cutting it off and recording it abandoned ("the receiver may have got it").

import { expect, it } from 'vitest';
import { unaccounted } from '../../src/shared/delivery';
import { waitUntil } from '../fixtures/receiver';
import { useDispatcherHarness } from '../fixtures/dispatcher-harness';

const { receiver, dispatcher } = useDispatcherHarness({ timeoutMs: 3000, retryBackoffMs: 20, drainMs: 3000 });

const ev = (n: number) => ({ event: 'message.received', node_id: 1, data: { n } });

it('closing while paused lets the event in flight finish, and abandons the queued ones at once', async () => {
  const rx = await receiver({ reply: { status: 200, delayMs: 300 } });
  const { d } = dispatcher({ url: rx.url });
  const first = d.submit(ev(1), 'daemon');
  await waitUntil(() => first.attempts.length === 0 && (first.detail ?? '').startsWith('sending'), 'the first event in flight');
  d.pause();
  const queued = d.submit(ev(2), 'daemon');
  await d.close();
  expect(first.outcome).toBe('delivered');
  expect(queued.outcome).toBe('abandoned');
  expect(rx.requests).toHaveLength(1);
  expect(unaccounted(d.stats())).toBe(0);
});

it('a URL change while paused lets the event in flight finish at the old URL', async () => {
  const rx = await receiver({ reply: { status: 200, delayMs: 300 } });
  const other = await receiver();
  const { d } = dispatcher({ url: rx.url });
  const first = d.submit(ev(1), 'daemon');
  await waitUntil(() => (first.detail ?? '').startsWith('sending'), 'the first event in flight');
  d.pause();
  await d.setUrl(other.url);
  expect(first.outcome).toBe('delivered');
  expect(other.requests).toHaveLength(0);
  expect(unaccounted(d.stats())).toBe(0);
});
