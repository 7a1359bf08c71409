// One URL policy for the whole run: what the form, the import, --url, the per-event check and the
// egress agent decide about a URL is the same decision. The case this pins: a URL accepted at start
// (--url without strict mode and own ports) and then blocked on every event.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller, type ControllerOptions } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { RefusedUrlError, UrlPolicy } from '../../src/main/core/url-policy';
import { unaccounted } from '../../src/shared/delivery';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

let dir: string;
let receiver: Receiver;
let controller: Controller | null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-policy-'));
  receiver = await startReceiver();
  controller = null;
});

afterEach(async () => {
  await controller?.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function settings(strict: boolean): SettingsService {
  const o = openConfStore(join(dir, 'data'));
  const s = new SettingsService(o.kv, o.warnings);
  s.update({ strictEgress: strict });
  return s;
}

async function start(strict: boolean, opts: Partial<ControllerOptions> = {}): Promise<Controller> {
  controller = await createController({
    settings: settings(strict),
    runOverrides: { retryBackoffMs: 10, timeoutMs: 2000 },
    daemon: { enabled: false, socketPath: null },
    pushIntervalMs: 10,
    ...opts,
  });
  return controller;
}

describe('one URL policy', () => {
  it('strict mode: a loopback --url is refused at start, not accepted and then blocked on every event', async () => {
    const err = await start(true, { runOverrides: { url: receiver.url } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RefusedUrlError);
    expect((err as RefusedUrlError).reason).toMatch(/strict/i);
    // The same verdict the form gives for that URL under the same settings.
    const c = await start(true);
    const r = await c.handlers.setUrl({ url: receiver.url });
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.error.message).toBe((err as RefusedUrlError).reason);
  });

  it('a --url on one of the app\'s own ports (the UI) is refused at start', async () => {
    const err = await start(false, { runOverrides: { url: 'http://127.0.0.1:45999/hook' }, ownPorts: () => [45999] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefusedUrlError);
    expect((err as RefusedUrlError).reason).toMatch(/own|this app/i);
  });

  it('a URL the form accepts is never refused by the per-event rules: every event reaches the receiver', async () => {
    const c = await start(false);
    const r = await c.handlers.setUrl({ url: receiver.url });
    expect(r.ok).toBe(true);
    for (let i = 0; i < 3; i++) c.accept({ event: 'policy.check', data: { i } }, 'api');
    await waitUntil(() => c.getState().stats.delivered === 3, 'three delivered');
    expect(receiver.requests).toHaveLength(3);
    expect(c.getState().stats.failed).toBe(0);
    expect(unaccounted(c.getState().stats)).toBe(0);
    // The policy the controller uses is the one the form used: same verdict, same ports.
    expect(c.urlPolicy.check(receiver.url)).toMatchObject({ ok: true });
    expect(c.urlPolicy.ownPorts()).toContain(Number(new URL(c.ingestUrl).port));
  });

  it('judges with every own port as of now, including ones that become known later', () => {
    let later: number[] = [];
    const policy = new UrlPolicy({ strict: false });
    policy.addOwnPort(41000);
    policy.addOwnPorts(() => later);
    expect(policy.check('http://127.0.0.1:41000/')).toMatchObject({ ok: false, code: 'own_port' });
    expect(policy.check('http://127.0.0.1:41001/')).toMatchObject({ ok: true });
    later = [41001];
    expect(policy.check('http://127.0.0.1:41001/')).toMatchObject({ ok: false, code: 'own_port' });
    expect(new UrlPolicy({ strict: true }).check('http://127.0.0.1:41002/')).toMatchObject({ ok: false });
  });
});
