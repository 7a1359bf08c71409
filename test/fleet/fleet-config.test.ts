// The fleet's configuration in its KV bucket: a process with another fleet key decrypts nothing
// and says why; a deliver process started before any destination exists takes one up when a
// window adds it; key files that are not owner-only or not 32 bytes are refused at start.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { DeliveryRecord } from '../../src/shared/delivery';
import { buildOnce, ROOT } from '../e2e/helpers/host';
import { eventually, startFleetHost, writeFleetKey } from './fleet-host';
import { useFleetWorld } from './fleet-world';

const world = useFleetWorld('config');

const event = (fleet: string, n: number): object => ({ event_id: n, event: 'peer.connected', node_id: 5, timestamp: new Date().toISOString(), data: { fleet, n } });

test('a deliver process started before any destination exists picks it up when it is added', async () => {
  const key = writeFleetKey(world.dir, 'late.key');
  const deliver = await startFleetHost({ nats: world.cluster.urls, keyFile: key, role: 'deliver', fleet: 'late' });
  const ingest = await startFleetHost({ nats: world.cluster.urls, keyFile: key, role: 'ingest', fleet: 'late' });
  await eventually('deliver ready, no destination', () => deliver.state(), (s) => s.fleet?.connected === true && s.fleet.error === null && s.fleet.destinations === 0, 30_000);
  expect(deliver.ingestUrl).toBeNull();
  await eventually('ingest ready', () => ingest.state(), (s) => s.fleet?.connected === true && s.fleet.error === null, 30_000);

  // Added from the ingest process's window; the deliver process follows the bucket.
  expect((await ingest.api('PUT', '/api/url', { url: world.rx.url })).status).toBe(200);
  expect((await ingest.api('PUT', '/api/secret', { secret: 'whsec_' + randomBytes(24).toString('base64') })).status).toBe(200);
  await eventually('the deliver process took it up', () => deliver.state(), (s) => s.fleet?.delivering === 1 && s.url === world.rx.url && s.secret.set, 20_000);

  for (let n = 1; n <= 20; n++) expect(await ingest.post(event('late', n))).toBe(204);
  await eventually('20 at the receiver', async () => world.rx.requests.filter((r) => (r.json() as { data: { fleet: string } }).data.fleet === 'late').length, (n) => n >= 20, 30_000);
  const mine = world.rx.requests.filter((r) => (r.json() as { data: { fleet: string } }).data.fleet === 'late');
  // Signed with the secret set in another process's window: it travelled encrypted in the bucket.
  expect(mine.every((r) => typeof r.headers['webhook-signature'] === 'string')).toBe(true);
  // The receiver has the 20th request before the deliver process has its answer: wait for the count.
  await eventually('20 delivered in the deliver process', () => deliver.state(), (st) => st.stats.delivered === 20, 20_000);
  const log = await eventually('the ingest window shows who delivered', async () => ((await ingest.api('GET', '/api/log?limit=100')).body as { records: DeliveryRecord[] }).records, (r) => r.length === 20);
  expect(log.every((r) => r.fleet?.node === 5 && r.outcome === 'delivered' && r.fleet.destinationId === 'primary')).toBe(true);
  // Delivered by the deliver process, not by the ingest (which has no engine).
  expect(new Set(log.map((r) => r.fleet?.by)).size).toBe(1);
  expect((await ingest.state()).fleet!.delivering).toBe(0);

  // "Send again" from the ingest's window: a refused event goes out again from the deliver process,
  // as a new event of the fleet (its own webhook-id); a delivered one is not sent again.
  const delivered = log[log.length - 1]!;
  expect((await ingest.api('POST', '/api/resend', { ids: [delivered.id] })).body).toEqual({ queued: 0 });
  world.rx.replyOnce({ status: 410 });
  expect(await ingest.post(event('late', 21))).toBe(204);
  const refused = await eventually(
    'the refused record',
    async () => ((await ingest.api('GET', '/api/log?limit=100')).body as { records: DeliveryRecord[] }).records.find((r) => r.outcome === 'client_error'),
    (r) => r !== undefined,
    20_000,
  );
  expect((await ingest.api('POST', '/api/resend', { ids: [refused!.id] })).body).toEqual({ queued: 1 });
  const copy = await eventually(
    'the resent record',
    async () => ((await ingest.api('GET', '/api/log?limit=100')).body as { records: DeliveryRecord[] }).records.find((x) => x.source === 'resend'),
    (r) => r !== undefined,
    20_000,
  );
  expect(copy).toMatchObject({ outcome: 'delivered', resendOf: refused!.id, fleet: { node: 5, destinationId: 'primary' } });
  const both = world.rx.requests.filter((r) => JSON.stringify((r.json() as { data: unknown }).data) === JSON.stringify({ fleet: 'late', n: 21 }));
  expect(both.map((r) => r.headers['webhook-id'])).toHaveLength(2);
  expect(new Set(both.map((r) => r.headers['webhook-id'])).size).toBe(2);
});

test('a process with another fleet key decrypts nothing and says so', async () => {
  const right = writeFleetKey(world.dir, 'right.key');
  const wrong = writeFleetKey(world.dir, 'wrong.key');
  const owner = await startFleetHost({ nats: world.cluster.urls, keyFile: right, role: 'ingest', fleet: 'keyed' });
  await eventually('owner ready', () => owner.state(), (s) => s.fleet?.connected === true && s.fleet.error === null, 30_000);
  const secret = 'whsec_' + randomBytes(24).toString('base64');
  expect((await owner.api('PUT', '/api/url', { url: world.rx.url })).status).toBe(200);
  expect((await owner.api('PUT', '/api/secret', { secret })).status).toBe(200);

  const intruder = await startFleetHost({ nats: world.cluster.urls, keyFile: wrong, role: 'all', fleet: 'keyed' });
  const s = await eventually('the key is refused', () => intruder.state(), (x) => /fleet key/.test(x.fleet?.error ?? ''), 30_000);
  expect(s.fleet!.error).toMatch(/not the one this fleet's configuration was written with/);
  expect(s.fleet!.error).toMatch(/no secret was decrypted/);
  expect(s.fleet!.delivering).toBe(0);
  expect(s.secret.set).toBe(false);
  expect(s.url).toBeNull();
  // Its window cannot change the fleet's destinations either.
  const put = await intruder.api('PUT', '/api/url', { url: world.rx.url });
  expect(put.status).toBe(409);
  expect(JSON.stringify(put.body)).toMatch(/fleet key/);
  expect(intruder.stderr()).toMatch(/fleet key/);
  expect(intruder.stderr()).not.toContain(secret);
});

test('key files that are readable by others, or not 32 bytes, stop the start with the reason', async () => {
  await buildOnce();
  const run = (keyFile: string) =>
    spawnSync(process.execPath, [join(ROOT, 'dist/main/headless.js'), '--no-daemon', '--data-dir', join(world.dir, 'd'), '--nats', world.cluster.urls[0]!, '--fleet-key-file', keyFile], { encoding: 'utf8', timeout: 20_000 });
  const open = writeFleetKey(world.dir, 'open.key');
  chmodSync(open, 0o644);
  const r1 = run(open);
  expect(r1.status).toBe(2);
  expect(r1.stderr).toMatch(/readable by other users \(mode 644\).*chmod 600/);
  const short = join(world.dir, 'short.key');
  writeFileSync(short, `${randomBytes(16).toString('base64')}\n`, { mode: 0o600 });
  const r2 = run(short);
  expect(r2.status).toBe(2);
  expect(r2.stderr).toMatch(/holds 16 bytes, not 32/);
  const r3 = run(join(world.dir, 'missing.key'));
  expect(r3.status).toBe(2);
  expect(r3.stderr).toMatch(/cannot be read \(ENOENT\)/);
});
