// The desktop app's history export: the shell's exportHistory asks where to save (the fake save
// dialog plays the user), then writes the real controller's history there as JSON Lines.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/main/core/controller';
import { exportFileName } from '../../src/main/core/outbox/history-export';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { shellHandlers } from '../../src/main/shell/shell-handlers';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import { createFakeElectron } from '../fixtures/fake-electron';

/** A fixed clock, so the dialog's suggested name can be checked exactly. */
const NOW = Date.parse('2024-05-01T12:34:56.789Z');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pilot-shell-export-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** The real controller (in-memory log, no URL), holding two recorded events. */
async function controllerWithTwoEvents(): Promise<Controller> {
  const opened = openConfStore(tempDir());
  const c = await createController({
    settings: new SettingsService(opened.kv, opened.warnings),
    daemon: { enabled: false, socketPath: null },
    pushIntervalMs: 10,
  });
  cleanups.push(() => c.close());
  c.accept({ event: 'conn.established' }, 'api');
  c.accept({ event: 'conn.fin' }, 'api');
  expect(unaccounted(c.getState().stats)).toBe(0);
  return c;
}

describe('shell exportHistory', () => {
  it('suggests the export file name, then writes the history where the user chose', async () => {
    const fake = createFakeElectron();
    const c = await controllerWithTwoEvents();
    const target = join(tempDir(), 'my-history.jsonl');
    fake.dialog.answer = { canceled: false, filePath: target };

    const r = await shellHandlers(c, fake.electron, () => NOW).exportHistory(undefined);

    expect(r).toStrictEqual({ ok: true, value: { path: target, records: 2 } });
    expect(fake.dialog.saveRequests).toHaveLength(1);
    expect(fake.dialog.saveRequests[0]).toMatchObject({ defaultPath: exportFileName(NOW) });
    expect(fake.dialog.saveRequests[0]!.filters?.[0]).toStrictEqual({ name: 'JSON Lines', extensions: ['jsonl'] });
    const lines = readFileSync(target, 'utf8').trimEnd().split('\n');
    const records = lines.map((l) => JSON.parse(l) as DeliveryRecord);
    expect(records.map((x) => [x.event, x.outcome])).toEqual([
      ['conn.established', 'no_url'],
      ['conn.fin', 'no_url'],
    ]);
  });

  it('answers cancelled and writes nothing when the user cancels the dialog', async () => {
    const fake = createFakeElectron();
    const c = await controllerWithTwoEvents();
    fake.dialog.answer = { canceled: true, filePath: '' };

    const r = await shellHandlers(c, fake.electron).exportHistory(undefined);

    expect(r).toStrictEqual({ ok: false, error: { code: 'cancelled', message: 'Export cancelled.' } });
    expect(fake.dialog.saveRequests).toHaveLength(1);
  });

  it('answers export_failed, leaving no file, when the chosen place cannot be written', async () => {
    const fake = createFakeElectron();
    const c = await controllerWithTwoEvents();
    const target = join(tempDir(), 'gone', 'history.jsonl');
    fake.dialog.answer = { canceled: false, filePath: target };

    const r = await shellHandlers(c, fake.electron).exportHistory(undefined);

    expect(r).toMatchObject({ ok: false, error: { code: 'export_failed', message: expect.stringContaining(target) } });
    expect(existsSync(target)).toBe(false);
  });

  it('leaves the other calls to the controller', async () => {
    const fake = createFakeElectron();
    const c = await controllerWithTwoEvents();
    const h = shellHandlers(c, fake.electron);
    expect(h.getLog).toBe(c.handlers.getLog);
    expect(h.exportHistory).not.toBe(c.handlers.exportHistory);
  });
});
