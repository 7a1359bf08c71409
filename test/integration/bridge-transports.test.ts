// The same handlers behind both transports — Electron IPC (the ipcMain handlers and the preload,
// over the fake electron's ipcMain) and the headless HTTP API (a real server on 127.0.0.1, the
// window's web bridge on Node's fetch) — must give the window the same answer for every call of
// the contract: a value, a refusal of each kind, an invalid argument, a handler that throws. The
// calls are enumerated from the contract, with each definition's example argument.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/main/headless/api-server';
import { buildPreloadApi } from '../../src/main/preload-api';
import { registerIpcHandlers } from '../../src/main/shell/ipc-handlers';
import type { ExpectedSender } from '../../src/main/shell/sender-check';
import { createWebBridge } from '../../src/renderer/web-bridge';
import type { ApiError } from '../../src/shared/api-errors';
import type { BridgeHandlers, CallName } from '../../src/shared/bridge';
import { argumentPlace, CALL_NAMES, CALLS } from '../../src/shared/bridge-calls';
import { checkCallArg } from '../../src/shared/call-answer';
import { createFakeElectron } from '../fixtures/fake-electron';

const TOKEN = 'transport-test-token-0123456789';
const APP_URL = 'app://pilot-webhook/index.html';
const expected: ExpectedSender = { webContentsId: 3, pageUrl: APP_URL };
const trusted = { sender: { id: 3 }, senderFrame: { url: APP_URL, parent: null } };

type Behaviour = 'value' | 'refuse_input' | 'refuse_state' | 'refuse_host' | 'refuse_unsupported' | 'throw';
let behaviour: Behaviour = 'value';
const seen: [CallName, unknown][] = [];

const REFUSALS: Record<Exclude<Behaviour, 'value' | 'throw'>, ApiError> = {
  refuse_input: { code: 'link_local', message: 'that address is link-local' },
  refuse_state: { code: 'no_url', message: 'set a URL first' },
  refuse_host: { code: 'export_failed', message: 'the disk is full' },
  refuse_unsupported: { code: 'unsupported', message: 'this host has no clipboard' },
};

const handlers = Object.fromEntries(
  CALL_NAMES.map((name) => [
    name,
    async (arg: unknown): Promise<unknown> => {
      seen.push([name, arg]);
      const value = { call: name, echoed: arg ?? null };
      if (behaviour === 'throw') throw new Error(`${name} fell over`);
      if (behaviour === 'value') return CALLS[name].answers.result ? { ok: true, value } : value;
      return CALLS[name].answers.result ? { ok: false, error: REFUSALS[behaviour] } : value;
    },
  ]),
) as unknown as BridgeHandlers;

let api: ApiServer;
let ipcBridge: Record<string, (arg?: unknown) => Promise<unknown>>;
let webBridge: Record<string, (arg?: unknown) => Promise<unknown>>;

beforeAll(async () => {
  const fake = createFakeElectron();
  registerIpcHandlers(fake.electron.ipcMain, handlers, () => expected);
  // What crosses Electron's IPC is structured-cloned both ways; the fake's invoke is a plain call.
  ipcBridge = buildPreloadApi({
    invoke: async (channel, arg) => structuredClone(await fake.ipcMain.invoke(channel, trusted, structuredClone(arg))),
    on: () => undefined,
    removeListener: () => undefined,
  }) as unknown as typeof ipcBridge;
  api = await startApiServer({ handlers, subscribe: () => () => undefined, token: TOKEN, staticDir: null });
  webBridge = createWebBridge(TOKEN, (path, init) => fetch(`${api.origin}${path}`, init)) as unknown as typeof webBridge;
});

afterAll(async () => {
  await api?.close();
});

type Settled = { resolved: unknown } | { rejected: string };
async function settle(p: Promise<unknown>): Promise<Settled> {
  try {
    return { resolved: await p };
  } catch (err) {
    return { rejected: (err as Error).message };
  }
}

async function both(name: CallName, arg: unknown): Promise<{ ipc: Settled; web: Settled }> {
  seen.length = 0;
  const ipc = await settle(ipcBridge[name]!(arg));
  const web = await settle(webBridge[name]!(arg));
  return { ipc, web };
}

describe('every call answers the same over IPC and HTTP', () => {
  it('every definition with an argument has an example its own schema accepts', () => {
    for (const name of CALL_NAMES) {
      const example = (CALLS[name] as { example?: unknown }).example;
      if (argumentPlace(name) === 'none') expect(example, name).toBeUndefined();
      else expect(checkCallArg(name, example), name).toStrictEqual({ ok: true, value: example });
    }
  });

  it.each(CALL_NAMES.map((n) => [n]))('%s', async (name) => {
    const example = (CALLS[name] as { example?: unknown }).example;

    behaviour = 'value';
    const value = await both(name, example);
    expect(value.ipc).toStrictEqual(value.web);
    const echoed = { call: name, echoed: example ?? null };
    expect(value.ipc).toStrictEqual({ resolved: CALLS[name].answers.result ? { ok: true, value: echoed } : echoed });
    // Each transport reached the handler once, with the argument as the caller gave it.
    expect(seen).toStrictEqual([
      [name, example],
      [name, example],
    ]);

    for (const refusal of ['refuse_input', 'refuse_state', 'refuse_host', 'refuse_unsupported'] as const) {
      behaviour = refusal;
      const refused = await both(name, example);
      expect(refused.ipc, refusal).toStrictEqual(refused.web);
      if (CALLS[name].answers.result) expect(refused.ipc).toStrictEqual({ resolved: { ok: false, error: REFUSALS[refusal] } });
    }

    behaviour = 'throw';
    const thrown = await both(name, example);
    expect(thrown.ipc).toStrictEqual(thrown.web);
    expect(thrown.ipc).toStrictEqual(
      CALLS[name].answers.result
        ? { resolved: { ok: false, error: { code: 'internal', message: `${name} fell over` } } }
        : { rejected: `${name}: ${name} fell over` },
    );

    if (argumentPlace(name) === 'body') {
      behaviour = 'value';
      const invalid = await both(name, { unexpected: true });
      expect(invalid.ipc).toStrictEqual(invalid.web);
      expect(seen).toStrictEqual([]);
      const error = { code: 'invalid_argument', message: 'unknown field: unexpected' };
      expect(invalid.ipc).toStrictEqual(CALLS[name].answers.result ? { resolved: { ok: false, error } } : { rejected: `${name}: ${error.message}` });
    }
  });
});
