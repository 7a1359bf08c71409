// The Electron IPC channel map, derived from the bridge contract so the ipcMain handlers and the
// preload cannot name a channel the contract does not have. Pure: used by main and preload.

import { CALL_NAMES, PUSH_NAMES, type CallName, type PushName } from './bridge';

/** Prefixes keep our channels apart from any a library registers (electron-store has its own). */
export const CALL_CHANNEL_PREFIX = 'pilot:call:';
export const PUSH_CHANNEL_PREFIX = 'pilot:push:';

export type CallChannel<K extends CallName = CallName> = `${typeof CALL_CHANNEL_PREFIX}${K}`;
export type PushChannel<P extends PushName = PushName> = `${typeof PUSH_CHANNEL_PREFIX}${P}`;

/** The name under which the preload exposes the bridge in the window (`window.pilot`). */
export const PRELOAD_GLOBAL = 'pilot';

export function callChannel<K extends CallName>(name: K): CallChannel<K> {
  return `${CALL_CHANNEL_PREFIX}${name}`;
}

export function pushChannel<P extends PushName>(name: P): PushChannel<P> {
  return `${PUSH_CHANNEL_PREFIX}${name}`;
}

/** Every invoke channel, one per call of the contract. */
export const CALL_CHANNELS: readonly CallChannel[] = CALL_NAMES.map((n) => callChannel(n));

/** Every push channel, one per push of the contract. */
export const PUSH_CHANNELS: readonly PushChannel[] = PUSH_NAMES.map((n) => pushChannel(n));

export function isPushName(value: unknown): value is PushName {
  return typeof value === 'string' && (PUSH_NAMES as readonly string[]).includes(value);
}
