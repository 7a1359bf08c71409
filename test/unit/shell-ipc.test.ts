// The bridge's main side: who may call (isTrustedSender), what they may pass (checkCallArg), and
// the ipcMain handlers generated from the contract that apply both before the controller runs and
// answer every outcome as a CallAnswer (never a rejected invoke for our own window).

import { describe, expect, it } from 'vitest';
import { UNTRUSTED_SENDER, registerIpcHandlers } from '../../src/main/shell/ipc-handlers';
import { CALLS, MAX_URL_LENGTH } from '../../src/shared/bridge-calls';
import { checkCallArg } from '../../src/shared/call-answer';
import { isTrustedSender, type ExpectedSender, type SenderEventLike } from '../../src/main/shell/sender-check';
import { CALL_NAMES, type BridgeHandlers, type CallName } from '../../src/shared/bridge';
import { CALL_CHANNELS, callChannel } from '../../src/shared/ipc-channels';
import { createFakeElectron } from '../fixtures/fake-electron';

const APP_URL = 'app://pilot-webhook/index.html';
const expected: ExpectedSender = { webContentsId: 3, pageUrl: APP_URL };
const mainFrame = { url: APP_URL, parent: null };
const trusted: SenderEventLike = { sender: { id: 3 }, senderFrame: mainFrame };

describe('isTrustedSender', () => {
  it('accepts the main frame of our window showing our page (query and fragment do not matter)', () => {
    expect(isTrustedSender(trusted, expected)).toBe(true);
    expect(isTrustedSender({ sender: { id: 3 }, senderFrame: { url: `${APP_URL}?x=1#log`, parent: null } }, expected)).toBe(true);
  });

  it.each<[string, SenderEventLike]>([
    ['a null frame (navigated away or destroyed)', { sender: { id: 3 }, senderFrame: null }],
    ['a sub-frame of our page', { sender: { id: 3 }, senderFrame: { url: APP_URL, parent: mainFrame } }],
    ['another webContents', { sender: { id: 4 }, senderFrame: mainFrame }],
    ['a foreign https page', { sender: { id: 3 }, senderFrame: { url: 'https://evil.example/', parent: null } }],
    ['another local file', { sender: { id: 3 }, senderFrame: { url: 'file:///tmp/evil.html', parent: null } }],
    ['a file named like ours plus a suffix', { sender: { id: 3 }, senderFrame: { url: `${APP_URL}.evil.html`, parent: null } }],
    ['another page of our scheme', { sender: { id: 3 }, senderFrame: { url: 'app://pilot-webhook/other.html', parent: null } }],
    ['our page under another host of the scheme', { sender: { id: 3 }, senderFrame: { url: 'app://evil/index.html', parent: null } }],
    ['the built page opened as a file', { sender: { id: 3 }, senderFrame: { url: 'file:///opt/pilot/resources/app.asar/dist/renderer/index.html', parent: null } }],
    ['an about:blank frame', { sender: { id: 3 }, senderFrame: { url: 'about:blank', parent: null } }],
    ['an unparsable URL', { sender: { id: 3 }, senderFrame: { url: 'not a url', parent: null } }],
  ])('rejects %s', (_name, event) => {
    expect(isTrustedSender(event, expected)).toBe(false);
  });

  it('rejects everyone while there is no window', () => {
    expect(isTrustedSender(trusted, null)).toBe(false);
  });
});

describe('checkCallArg', () => {
  it("accepts each call's example argument (the contract tests send it), and optional fields left out", () => {
    for (const name of CALL_NAMES) {
      const example = (CALLS[name] as { example?: unknown }).example;
      expect(checkCallArg(name, example), name).toStrictEqual({ ok: true, value: example });
    }
    expect(checkCallArg('sendTest', {}).ok).toBe(true);
    expect(checkCallArg('getLog', {}).ok).toBe(true);
    expect(checkCallArg('redeliver', { ids: [1, 2] }).ok).toBe(true);
  });

  it.each<[CallName, unknown, RegExp]>([
    ['getState', { x: 1 }, /no argument/],
    ['pause', 'now', /no argument/],
    ['copySecret', null, /no argument/],
    ['exportHistory', { path: '/etc/passwd' }, /no argument/],
    ['setUrl', undefined, /must be an object/],
    ['setUrl', 'https://example.com', /must be an object/],
    ['setUrl', ['https://example.com'], /must be an object/],
    ['setUrl', {}, /"url" is required/],
    ['setUrl', { url: 42 }, /"url" must be a string/],
    ['setUrl', { url: 'x'.repeat(MAX_URL_LENGTH + 1) }, /longer than/],
    ['setUrl', { url: 'https://a/', admin: true }, /unknown field: admin/],
    ['setUrl', new (class Url { url = 'https://a/'; })(), /must be an object/],
    ['sendTest', undefined, /must be an object/],
    ['sendTest', { url: null }, /"url" must be a string/],
    ['getLog', { limit: 0 }, /"limit"/],
    ['getLog', { limit: 2.5 }, /"limit"/],
    ['getLog', { before: -1 }, /"before"/],
    ['getLog', { outcome: 'exploded' }, /"outcome"/],
    ['getLog', { topic: 7 }, /"topic"/],
    ['getLog', { since: '2024-01-01' }, /"since"/],
    ['resend', { ids: 'all' }, /list of record ids/],
    ['resend', { ids: [] }, /1 to/],
    ['resend', { ids: [1, -2] }, /"ids\[1\]" must be a whole number from 0/],
    ['resend', { ids: [1, '2'] }, /"ids\[1\]" must be a whole number from 0/],
    ['setUrl', { url: 'https://a/', admin: true, root: 1 }, /unknown fields: admin, root/],
    ['getLog', { topic: '' }, /"topic" must not be empty/],
    ['redeliver', { since: '2024-02-31T00:00:00Z', outcome: 'failed' }, /"since" must be an RFC 3339/],
    ['setSecret', { secret: 'x'.repeat(2000) }, /longer than/],
    ['setSecret', {}, /"secret" is required/],
    ['redeliver', { ids: [] }, /1 to/],
    ['redeliver', { ids: [1], since: '2024-05-01T12:00:00Z' }, /unknown field: since/],
    ['redeliver', { since: 'yesterday', outcome: 'failed' }, /"since"/],
    ['redeliver', { since: '2024-05-01T12:00:00Z', outcome: 'delivered' }, /"outcome"/],
    ['redeliver', { since: '2024-05-01T12:00:00Z' }, /"outcome"/],
    ['setTopicFilters', { filters: 'tunnel.*' }, /list of topic patterns/],
    ['setTopicFilters', { filters: ['tun*nel'] }, /^"filters": .*"\*" may only/],
    ['setTopicFilters', { filters: [3] }, /"filters\[0\]" must be a string/],
    ['setTopicFilters', { filters: [''] }, /must not be empty/],
  ])('%s refuses %j', (name, arg, message) => {
    const r = checkCallArg(name, arg);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe('registerIpcHandlers', () => {
  function setup() {
    const fake = createFakeElectron();
    const seen: [CallName, unknown][] = [];
    const handlers = Object.fromEntries(
      CALL_NAMES.map((name) => [
        name,
        async (arg: unknown) => {
          seen.push([name, arg]);
          return CALLS[name].answers.result ? { ok: true, value: { called: name } } : { called: name };
        },
      ]),
    ) as unknown as BridgeHandlers;
    let current: ExpectedSender | null = expected;
    const dispose = registerIpcHandlers(fake.electron.ipcMain, handlers, () => current);
    return { ipc: fake.ipcMain, seen, dispose, setExpected: (e: ExpectedSender | null) => (current = e) };
  }

  it('registers exactly one invoke channel per call of the contract', () => {
    const { ipc } = setup();
    expect([...ipc.handlers.keys()].sort()).toStrictEqual([...CALL_CHANNELS].sort());
  });

  it('passes a trusted, well-formed call through to the controller', async () => {
    const { ipc, seen } = setup();
    await expect(ipc.invoke(callChannel('setUrl'), trusted, { url: 'https://example.com/h' })).resolves.toStrictEqual({
      ok: true,
      value: { called: 'setUrl' },
    });
    await expect(ipc.invoke(callChannel('getState'), trusted)).resolves.toStrictEqual({ ok: true, value: { called: 'getState' } });
    expect(seen).toStrictEqual([
      ['setUrl', { url: 'https://example.com/h' }],
      ['getState', undefined],
    ]);
  });

  it('throws "untrusted sender" for a sub-frame, another window, a foreign URL or a null frame — the controller never runs', async () => {
    const { ipc, seen } = setup();
    const bad: SenderEventLike[] = [
      { sender: { id: 3 }, senderFrame: { url: APP_URL, parent: mainFrame } },
      { sender: { id: 9 }, senderFrame: mainFrame },
      { sender: { id: 3 }, senderFrame: { url: 'https://evil.example/', parent: null } },
      { sender: { id: 3 }, senderFrame: null },
    ];
    for (const event of bad) {
      for (const name of CALL_NAMES) await expect(ipc.invoke(callChannel(name), event, undefined)).rejects.toThrow(UNTRUSTED_SENDER);
    }
    expect(seen).toStrictEqual([]);
  });

  it('checks the sender before the argument: an untrusted caller learns nothing about the shapes', async () => {
    const { ipc } = setup();
    await expect(ipc.invoke(callChannel('setUrl'), { sender: { id: 9 }, senderFrame: mainFrame }, 42)).rejects.toThrow(/^untrusted sender$/);
  });

  it('answers an invalid argument as an invalid_argument error naming the field, and the controller never runs', async () => {
    const { ipc, seen } = setup();
    await expect(ipc.invoke(callChannel('setUrl'), trusted, { url: 1 })).resolves.toStrictEqual({
      ok: false,
      error: { code: 'invalid_argument', message: '"url" must be a string' },
    });
    await expect(ipc.invoke(callChannel('resend'), trusted, { ids: 'all' })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    await expect(ipc.invoke(callChannel('pause'), trusted, { now: true })).resolves.toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(seen).toStrictEqual([]);
  });

  it('answers a handler that throws with an internal error (as the headless API does), and tells onError', async () => {
    const fake = createFakeElectron();
    const errors: unknown[] = [];
    const handlers = Object.fromEntries(
      CALL_NAMES.map((name) => [
        name,
        async () => {
          throw new Error(`${name} broke`);
        },
      ]),
    ) as unknown as BridgeHandlers;
    registerIpcHandlers(fake.electron.ipcMain, handlers, () => expected, (e) => errors.push(e));
    await expect(fake.ipcMain.invoke(callChannel('setUrl'), trusted, { url: 'https://a/' })).resolves.toStrictEqual({
      ok: false,
      error: { code: 'internal', message: 'setUrl broke' },
    });
    await expect(fake.ipcMain.invoke(callChannel('getState'), trusted)).resolves.toStrictEqual({
      ok: false,
      error: { code: 'internal', message: 'getState broke' },
    });
    expect(errors.map((e) => (e as Error).message)).toStrictEqual(['setUrl broke', 'getState broke']);
  });

  it('answers a Result call whose handler answered something else as internal (our bug, not the caller\'s)', async () => {
    const fake = createFakeElectron();
    const handlers = { pause: async () => ({ paused: true }) } as unknown as BridgeHandlers;
    registerIpcHandlers(fake.electron.ipcMain, handlers, () => expected);
    await expect(fake.ipcMain.invoke(callChannel('pause'), trusted)).resolves.toStrictEqual({
      ok: false,
      error: { code: 'internal', message: 'handler pause answered something that is not a Result' },
    });
  });

  it('reads the expected sender on every call (a closed window trusts no one) and can be removed', async () => {
    const { ipc, setExpected, dispose } = setup();
    setExpected(null);
    await expect(ipc.invoke(callChannel('getState'), trusted)).rejects.toThrow(UNTRUSTED_SENDER);
    dispose();
    expect(ipc.handlers.size).toBe(0);
  });
});
