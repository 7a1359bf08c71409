// The bridge's main side: who may call (isTrustedSender), what they may pass (checkCallArg), and
// the ipcMain handlers generated from the contract that apply both before the controller runs.

import { describe, expect, it } from 'vitest';
import { UNTRUSTED_SENDER, registerIpcHandlers } from '../../src/main/shell/ipc-handlers';
import { isTrustedSender, type ExpectedSender, type SenderEventLike } from '../../src/main/shell/sender-check';
import { CALL_NAMES, type BridgeHandlers, type CallName } from '../../src/shared/bridge';
import { MAX_URL_LENGTH, checkCallArg } from '../../src/shared/call-arg-checks';
import { CALL_CHANNELS, callChannel } from '../../src/shared/ipc-channels';
import { createFakeElectron } from '../fixtures/fake-electron';

const APP_URL = 'file:///opt/pilot/resources/app.asar/dist/renderer/index.html';
const expected: ExpectedSender = { webContentsId: 3, appFileUrl: APP_URL };
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
    ['a page in a sibling folder', { sender: { id: 3 }, senderFrame: { url: APP_URL.replace('/renderer/', '/renderer2/'), parent: null } }],
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
  const good: { [K in CallName]: unknown } = {
    getState: undefined,
    setUrl: { url: 'https://example.com/hook' },
    clearUrl: undefined,
    sendTest: {},
    getLog: { limit: 50, before: 10, outcome: 'failed', topic: 'tunnel.*', since: 0 },
    pause: undefined,
    resume: undefined,
    resend: { ids: [1, 2, 3] },
    setSecret: { secret: 'whsec_abc' },
    generateSecret: undefined,
    clearSecret: undefined,
    copySecret: undefined,
    redeliver: { since: '2024-05-01T12:00:00Z', outcome: 'failed' },
    setTopicFilters: { filters: ['tunnel.*', 'handshake.*'] },
    exportHistory: undefined,
  };

  it('accepts a well-formed argument for every call', () => {
    for (const name of CALL_NAMES) expect(checkCallArg(name, good[name]), name).toStrictEqual({ ok: true, value: good[name] });
    expect(checkCallArg('sendTest', { url: 'http://127.0.0.1:1/' }).ok).toBe(true);
    expect(checkCallArg('getLog', {}).ok).toBe(true);
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
    ['resend', { ids: [1, -2] }, /non-negative whole numbers/],
    ['resend', { ids: [1, '2'] }, /non-negative whole numbers/],
    ['setSecret', { secret: 'x'.repeat(2000) }, /longer than/],
    ['setSecret', {}, /"secret" is required/],
    ['redeliver', { ids: [] }, /1 to/],
    ['redeliver', { ids: [1], since: '2024-05-01T12:00:00Z' }, /unknown field: since/],
    ['redeliver', { since: 'yesterday', outcome: 'failed' }, /"since"/],
    ['redeliver', { since: '2024-05-01T12:00:00Z', outcome: 'delivered' }, /"outcome"/],
    ['redeliver', { since: '2024-05-01T12:00:00Z' }, /"outcome"/],
    ['setTopicFilters', { filters: 'tunnel.*' }, /list of topic patterns/],
    ['setTopicFilters', { filters: ['tun*nel'] }, /"\*" may only/],
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
      CALL_NAMES.map((name) => [name, async (arg: unknown) => (seen.push([name, arg]), { called: name })]),
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
    await expect(ipc.invoke(callChannel('setUrl'), trusted, { url: 'https://example.com/h' })).resolves.toStrictEqual({ called: 'setUrl' });
    await expect(ipc.invoke(callChannel('getState'), trusted)).resolves.toStrictEqual({ called: 'getState' });
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

  it('throws "invalid argument" naming the problem, and the controller never runs', async () => {
    const { ipc, seen } = setup();
    await expect(ipc.invoke(callChannel('setUrl'), trusted, { url: 1 })).rejects.toThrow('invalid argument: "url" must be a string');
    await expect(ipc.invoke(callChannel('resend'), trusted, { ids: 'all' })).rejects.toThrow(/invalid argument/);
    await expect(ipc.invoke(callChannel('pause'), trusted, { now: true })).rejects.toThrow(/invalid argument/);
    expect(seen).toStrictEqual([]);
  });

  it('reads the expected sender on every call (a closed window trusts no one) and can be removed', async () => {
    const { ipc, setExpected, dispose } = setup();
    setExpected(null);
    await expect(ipc.invoke(callChannel('getState'), trusted)).rejects.toThrow(UNTRUSTED_SENDER);
    dispose();
    expect(ipc.handlers.size).toBe(0);
  });
});
