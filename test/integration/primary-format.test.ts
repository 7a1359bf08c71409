// The primary destination's format chosen from its URL's host, through the real dispatcher, the
// egress guard and HTTP: a Slack or Discord URL (resolved to the loopback stand-in by a test
// lookup) gets bodies the service accepts, where the daemon's JSON was refused; the accounting
// invariant holds; "Send test event" sends the sample in that format.

import { describe, expect, it } from 'vitest';
import { unaccounted } from '../../src/shared/delivery';
import { createEgressAgent } from '../../src/main/core/egress-guard';
import { bodyShaper } from '../../src/main/core/destinations/body-shaper';
import { guessFormat } from '../../src/shared/formats/format-names';
import { useDispatcherHarness } from '../fixtures/dispatcher-harness';
import { startDiscord } from '../fixtures/services/discord';
import { startSlack } from '../fixtures/services/slack';
import { RECORDED_DATA } from '../fixtures/sample-events';

const h = useDispatcherHarness({ retryBackoffMs: 10, timeoutMs: 2000 });

/** The services' hosts, answered with the loopback stand-in (tests reach nothing else). */
function loopbackAgent() {
  const agent = createEgressAgent({
    lookup: async (host) => {
      if (host === 'hooks.slack.com' || host === 'discord.com') return [{ address: '127.0.0.1', family: 4 }];
      throw new Error(`test lookup: ${host} is not a stand-in`);
    },
  });
  h.cleanup.push(() => agent.close());
  return agent;
}

async function settled(d: { stats(): { queued: number } }): Promise<void> {
  for (let i = 0; i < 400 && d.stats().queued > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

const events = ['handshake.approved', 'trust.changed', 'conn.fin'] as const;

describe('primary destination format from the URL host', () => {
  it('Slack: the daemon JSON is refused with no_text; the slack format is delivered', async () => {
    const slack = await startSlack();
    h.cleanup.push(() => slack.close());
    const url = slack.url.replace('127.0.0.1', 'hooks.slack.com');
    const agent = loopbackAgent();

    // Before: the daemon's own JSON, as the app sent it.
    const before = h.dispatcher({ url, agent });
    before.d.submit({ event: 'conn.fin', node_id: 42, data: RECORDED_DATA['conn.fin'] }, 'daemon');
    await settled(before.d);
    expect(before.d.stats()).toMatchObject({ received: 1, delivered: 0, failed: 1 });
    expect(slack.exchanges.at(-1)!.answer.body).toBe('no_text');

    const { d, log } = h.dispatcher({ url, agent });
    // What the app does with a primary's URL (destinations/destination-set.ts): the host's format.
    expect(guessFormat(url)).toEqual({ format: 'slack', reason: 'chosen from the host hooks.slack.com' });
    d.setShaper(bodyShaper({ format: 'slack', headers: {} }));
    for (const event of events) d.submit({ event, node_id: 42, data: RECORDED_DATA[event] }, 'daemon');
    await settled(d);
    const stats = d.stats();
    expect(stats).toMatchObject({ received: 3, delivered: 3 });
    expect(unaccounted(stats)).toBe(0);
    expect(slack.posted.map((p) => p.text)).toEqual([
      'Node 42: trust handshake from node 2 approved',
      'Node 42: trust with node 2 granted (approved)',
      'Node 42: connection with 0:0000.0000.0002 on port 49152 closed',
    ]);
    // The log keeps the daemon's JSON (what was received; redelivery re-renders it).
    expect(JSON.parse(log.query({})[0]!.payload)).toMatchObject({ event: 'conn.fin', node_id: 42 });

    const test = await d.sendTest();
    expect(test).toMatchObject({ ok: true, status: 200 });
    expect(slack.posted.at(-1)!.text).toContain('test event from Pilot Webhook Desktop');
  });

  it('Discord: content + embed accepted (204), signed over the shaped body', async () => {
    const discord = await startDiscord();
    h.cleanup.push(() => discord.close());
    const url = discord.url.replace('127.0.0.1', 'discord.com');
    const { d } = h.dispatcher({ url, agent: loopbackAgent(), secret: 's3cret' });
    d.setShaper(bodyShaper({ format: guessFormat(url).format, headers: {} }));
    d.submit({ event: 'message.received', node_id: 42, data: RECORDED_DATA['message.received'] }, 'daemon');
    await settled(d);
    expect(d.stats()).toMatchObject({ received: 1, delivered: 1 });
    expect(unaccounted(d.stats())).toBe(0);
    expect(discord.posted[0]!.content).toBe('Node 42: message from 0:0000.0000.0002 (8 bytes, TEXT)');
    const req = discord.exchanges[0]!.request;
    const { createHmac } = await import('node:crypto');
    expect(req.headers['x-pilot-signature-256']).toBe(createHmac('sha256', 's3cret').update(req.body).digest('hex'));
  });

  it('any other host keeps the daemon JSON, sent as it is (no shaping)', () => {
    expect(guessFormat('https://n8n.example.com/webhook/x')).toMatchObject({ format: 'pilot' });
    expect(bodyShaper({ format: 'pilot', headers: {} })).toBeNull();
  });
});
