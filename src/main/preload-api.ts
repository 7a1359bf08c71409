// What the preload exposes to the window: exactly the contract's calls, each an ipcRenderer.invoke
// on its own channel whose answer (shared/call-answer.ts) is settled as the web bridge settles an
// HTTP answer, and `on` for the known pushes. Never ipcRenderer itself, never an IPC event
// object (its `sender` is ipcRenderer): a compromised page gets the contract and nothing more.
// Pure (ipcRenderer is passed in), so the test checks the very object the window gets.

import { CALL_NAMES, PUSH_NAMES, type Bridge, type BridgePushes, type PushName } from '../shared/bridge';
import { asCallAnswer, settleAnswer } from '../shared/call-answer';
import { callChannel, isPushName, pushChannel } from '../shared/ipc-channels';

/** The parts of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function buildPreloadApi(ipc: IpcRendererLike): Bridge {
  const api: Record<string, unknown> = {};
  for (const name of CALL_NAMES) {
    const channel = callChannel(name);
    // One argument at most, whatever the page passes: the handlers take exactly one.
    api[name] = async (arg?: unknown) => settleAnswer(name, asCallAnswer(await ipc.invoke(channel, arg)));
  }
  api.on = <P extends PushName>(push: P, listener: (value: BridgePushes[P]) => void): (() => void) => {
    if (!isPushName(push)) throw new Error(`unknown push "${String(push)}"; known: ${PUSH_NAMES.join(', ')}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const channel = pushChannel(push);
    const forward = (_event: unknown, value: unknown): void => listener(value as BridgePushes[P]);
    ipc.on(channel, forward);
    return () => {
      ipc.removeListener(channel, forward);
    };
  };
  return Object.freeze(api) as unknown as Bridge;
}
