// The destination list and its secrets on real settings files (conf in a temp dir): the
// single-URL migration, entry-by-entry reading of a hand-edited file, nothing half-saved, and
// secrets that never sit in clear in the Electron file.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_DESTINATIONS, MIGRATED_PRIMARY_ID, newDestinationConfig } from '../../src/shared/destination';
import { DESTINATIONS_KEY, DestinationStore } from '../../src/main/core/destinations/destination-store';
import { plainDestinationSecrets, PLAIN_SECRETS_KEY } from '../../src/main/core/destinations/destination-secrets';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import type { KeyValueStore } from '../../src/main/core/settings/settings-schema';
import { ENCRYPTED_DESTINATION_SECRETS_KEY, safeDestinationSecrets } from '../../src/main/shell/electron-settings-store';
import { FakeSafeStorage } from '../fixtures/fake-electron';

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pilot-dest-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const noLegacy = () => ({ url: null, secret: null, topicFilters: [] });
const open = (dir: string): KeyValueStore => openConfStore(dir).kv;
const cfg = (id: string, url = `http://127.0.0.1:9/${id}`) => newDestinationConfig(id, { url }, false);

describe('DestinationStore', () => {
  it('migrates url, secret and topic filters to one primary destination, once, nothing lost', () => {
    const dir = dataDir();
    const kv = open(dir);
    const store = new DestinationStore(kv, plainDestinationSecrets(kv), () => ({ url: 'https://n8n.example.com/webhook/x', secret: 'whsec_abc', topicFilters: ['tunnel.*'] }));
    expect(store.all()).toEqual([expect.objectContaining({ id: MIGRATED_PRIMARY_ID, url: 'https://n8n.example.com/webhook/x', primary: true, format: 'pilot', topics: ['tunnel.*'] })]);
    expect(store.secretsOf(MIGRATED_PRIMARY_ID)).toEqual({ secret: 'whsec_abc', headers: {} });
    // Re-opened: read from the file, the legacy fields are not migrated again.
    const kv2 = open(dir);
    const again = new DestinationStore(kv2, plainDestinationSecrets(kv2), () => ({ url: 'http://other', secret: null, topicFilters: [] }));
    expect(again.all()).toEqual(store.all());
  });

  it('adds, patches, moves the primary, removes; the first is primary and removing it promotes the next', () => {
    const kv = open(dataDir());
    const store = new DestinationStore(kv, plainDestinationSecrets(kv), noLegacy);
    store.add(cfg('a'), { secret: null, headers: { Authorization: 'Bearer t0k3n' } });
    store.add(cfg('b'), { secret: 's', headers: {} });
    expect(store.primary()?.id).toBe('a');
    store.update({ ...store.get('b')!, primary: true });
    expect(store.all().map((d) => [d.id, d.primary])).toEqual([['a', false], ['b', true]]);
    store.remove('b');
    expect(store.primary()?.id).toBe('a');
    expect(store.secretsOf('b')).toEqual({ secret: null, headers: {} });
    expect(store.secretsOf('a').headers).toEqual({ Authorization: 'Bearer t0k3n' });
  });

  it('refuses past the limit and a duplicate id, changing nothing', () => {
    const kv = open(dataDir());
    const store = new DestinationStore(kv, plainDestinationSecrets(kv), noLegacy);
    store.add(cfg('d0'), { secret: null, headers: {} });
    expect(() => store.add(cfg('d0'), { secret: 'x', headers: {} })).toThrow(/exists/);
    expect(store.secretsOf('d0').secret).toBeNull();
    for (let i = 1; i < MAX_DESTINATIONS; i++) store.add(cfg(`d${i}`), { secret: null, headers: {} });
    expect(() => store.add(cfg('one-more'), { secret: 'x', headers: {} })).toThrow(/At most/);
    expect(store.all()).toHaveLength(MAX_DESTINATIONS);
    expect(store.secretsOf('one-more')).toEqual({ secret: null, headers: {} });
  });

  it('a failed save changes neither the file nor memory', () => {
    const kv = open(dataDir());
    const store = new DestinationStore(kv, plainDestinationSecrets(kv), noLegacy);
    store.add(cfg('a'), { secret: 'old', headers: {} });
    const failing: KeyValueStore = { get store() { return kv.store; }, path: kv.path, delete: (k) => kv.delete(k), set: (k, v) => { if (k === DESTINATIONS_KEY) throw new Error('EROFS'); kv.set(k, v); } };
    const broken = new DestinationStore(failing, plainDestinationSecrets(kv), noLegacy);
    expect(() => broken.update({ ...broken.get('a')!, name: 'renamed' }, { secret: 'new', headers: {} })).toThrow(/EROFS/);
    expect(broken.get('a')!.name).not.toBe('renamed');
    expect(broken.secretsOf('a').secret).toBe('old');
  });

  it('reads a hand-edited file entry by entry, with a warning per bad entry', () => {
    const dir = dataDir();
    const kv = open(dir);
    kv.set(DESTINATIONS_KEY, [cfg('good'), { id: 'x', url: 'u', name: 'n', format: 'telegram', enabled: true, primary: false, topics: [], rateLimit: null }, 'junk', { ...cfg('good') }, { ...cfg('tpl'), format: 'custom', template: '{"a": }' }]);
    const store = new DestinationStore(kv, plainDestinationSecrets(kv), noLegacy);
    expect(store.all().map((d) => d.id)).toEqual(['good']);
    expect(store.primary()?.id).toBe('good');
    expect(store.warnings).toEqual([
      expect.stringMatching(/#2 has an unknown format "telegram"/),
      expect.stringMatching(/#3 is not an object/),
      expect.stringMatching(/#4 has no id of its own/),
      expect.stringMatching(/#5 has a template that no longer compiles/),
    ]);
  });

  it('a saved concurrency is kept; a hand-edited bad one falls back to the app-wide setting, the destination kept', () => {
    const dir = dataDir();
    const kv = open(dir);
    kv.set(DESTINATIONS_KEY, [{ ...cfg('fast'), concurrency: 8 }, { ...cfg('bad'), concurrency: 500 }, { ...cfg('text'), concurrency: 'many' }, cfg('plain')]);
    const store = new DestinationStore(kv, plainDestinationSecrets(kv), noLegacy);
    expect(store.all().map((d) => [d.id, d.concurrency])).toEqual([
      ['fast', 8],
      ['bad', undefined],
      ['text', undefined],
      ['plain', undefined],
    ]);
    expect(store.warnings).toEqual([
      expect.stringMatching(/#2 has a concurrency of 500 .*app-wide setting/),
      expect.stringMatching(/#3 has a concurrency of "many"/),
    ]);
    // A list saved before the field existed reads unchanged, and is written back without it.
    const kv2 = open(dataDir());
    kv2.set(DESTINATIONS_KEY, [{ ...cfg('old'), primary: true }]);
    const before = JSON.stringify(kv2.store[DESTINATIONS_KEY]);
    const old = new DestinationStore(kv2, plainDestinationSecrets(kv2), noLegacy);
    expect(old.warnings).toEqual([]);
    old.update(old.get('old')!);
    expect(JSON.stringify(kv2.store[DESTINATIONS_KEY])).toBe(before);
  });
});

describe('destination secrets in the Electron settings file', () => {
  it('are encrypted with safeStorage, and clear ones left by a headless run are moved in', () => {
    const dir = dataDir();
    const kv = open(dir);
    kv.set(PLAIN_SECRETS_KEY, { a: { secret: 'whsec_left_in_clear', headers: { 'X-N8N-Token': 'token-in-clear' } } });
    const secrets = safeDestinationSecrets(kv, new FakeSafeStorage());
    expect(secrets.get('a')).toEqual({ secret: 'whsec_left_in_clear', headers: { 'X-N8N-Token': 'token-in-clear' } });
    secrets.set('b', { secret: null, headers: { Authorization: 'Basic cGlsb3Q6cGFzcw==' } });
    const file = readFileSync(kv.path, 'utf8');
    expect(file).not.toMatch(/whsec_left_in_clear|token-in-clear|cGlsb3Q6cGFzcw/);
    expect(Object.keys(JSON.parse(file)[ENCRYPTED_DESTINATION_SECRETS_KEY])).toEqual(['a', 'b']);
    expect(JSON.parse(file)[PLAIN_SECRETS_KEY]).toBeUndefined();
  });

  it('without a keychain they stay in the owner-only file, and the user is told', () => {
    const kv = open(dataDir());
    const safe = new FakeSafeStorage();
    safe.available = false;
    const secrets = safeDestinationSecrets(kv, safe);
    expect(secrets.warnings[0]).toMatch(/unencrypted/);
    secrets.set('a', { secret: 's', headers: {} });
    expect(secrets.get('a').secret).toBe('s');
  });

  it('a bundle the keychain cannot open is not used and is reported', () => {
    const kv = open(dataDir());
    kv.set(ENCRYPTED_DESTINATION_SECRETS_KEY, { a: Buffer.from('garbage').toString('base64') });
    const secrets = safeDestinationSecrets(kv, new FakeSafeStorage());
    expect(secrets.get('a')).toEqual({ secret: null, headers: {} });
    expect(secrets.warnings[0]).toMatch(/could not be decrypted/);
  });
});
