// One ipcMain.handle per call of the bridge contract. Every invocation is checked twice before the
// controller sees it: who sent it (sender-check.ts) and what it carries (call-arg-checks.ts).

import type { IpcMainInvokeEvent } from 'electron';
import { CALL_NAMES, type BridgeHandlers, type CallName } from '../../shared/bridge';
import { checkCallArg } from '../../shared/call-arg-checks';
import { callChannel } from '../../shared/ipc-channels';
import type { ShellElectron } from './electron-api';
import { isTrustedSender, type ExpectedSender } from './sender-check';

export const UNTRUSTED_SENDER = 'untrusted sender';
export const INVALID_ARGUMENT = 'invalid argument';

/** Calls the handler for `name` once the sender and the argument have passed their checks. */
export async function guardedCall(
  name: CallName,
  handlers: BridgeHandlers,
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  arg: unknown,
  expected: ExpectedSender | null,
): Promise<unknown> {
  if (!isTrustedSender(event, expected)) throw new Error(UNTRUSTED_SENDER);
  const checked = checkCallArg(name, arg);
  if (!checked.ok) throw new Error(`${INVALID_ARGUMENT}: ${checked.message}`);
  const handler = handlers[name] as (a: unknown) => Promise<unknown>;
  return handler(checked.value);
}

/**
 * Registers the handlers; `expected` is read on every call because the window can be re-created.
 * Returns a function that removes them again.
 */
export function registerIpcHandlers(
  ipcMain: ShellElectron['ipcMain'],
  handlers: BridgeHandlers,
  expected: () => ExpectedSender | null,
): () => void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(callChannel(name), (event, arg: unknown) => guardedCall(name, handlers, event, arg, expected()));
  }
  return () => {
    for (const name of CALL_NAMES) ipcMain.removeHandler(callChannel(name));
  };
}
