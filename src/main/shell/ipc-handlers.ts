// One ipcMain.handle per call of the bridge contract. Every invocation is checked twice before the
// controller sees it: who sent it (sender-check.ts) and what it carries (the call's schema, in
// shared/call-answer.ts). The answer is the same CallAnswer the headless API sends as HTTP: an
// invalid argument or a handler that threw becomes `{ ok: false, error }`, never a rejected invoke
// (which the window would see as an unhandled rejection).

import type { IpcMainInvokeEvent } from 'electron';
import { CALL_NAMES, type BridgeHandlers, type CallName } from '../../shared/bridge';
import { answerCall, type CallAnswer } from '../../shared/call-answer';
import { callChannel } from '../../shared/ipc-channels';
import type { ShellElectron } from './electron-api';
import { isTrustedSender, type ExpectedSender } from './sender-check';

export const UNTRUSTED_SENDER = 'untrusted sender';

/**
 * Answers the call once the sender has passed its check. An untrusted sender is not our window: it
 * gets a bare refusal (an exception) and learns nothing about the calls' shapes.
 */
export async function guardedCall(
  name: CallName,
  handlers: BridgeHandlers,
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  arg: unknown,
  expected: ExpectedSender | null,
  onError?: (err: unknown) => void,
): Promise<CallAnswer> {
  if (!isTrustedSender(event, expected)) throw new Error(UNTRUSTED_SENDER);
  return answerCall(name, handlers, arg, onError);
}

/**
 * Registers the handlers; `expected` is read on every call because the window can be re-created.
 * `onError` hears of handlers that threw (for the log). Returns a function that removes them again.
 */
export function registerIpcHandlers(
  ipcMain: ShellElectron['ipcMain'],
  handlers: BridgeHandlers,
  expected: () => ExpectedSender | null,
  onError?: (err: unknown) => void,
): () => void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(callChannel(name), (event, arg: unknown) => guardedCall(name, handlers, event, arg, expected(), onError));
  }
  return () => {
    for (const name of CALL_NAMES) ipcMain.removeHandler(callChannel(name));
  };
}
