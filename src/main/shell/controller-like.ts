// What the shell needs of the controller (src/main/core/controller.ts satisfies it). The shell is
// written against this narrow interface so its tests can drive it with a small stand-in.

import type { AppState, BridgeHandlers, PushSubscribe } from '../../shared/bridge';
import type { DeliveryRecord } from '../../shared/delivery';

export interface ControllerLike {
  handlers: BridgeHandlers;
  /** batched 'state' / 'records' pushes */
  subscribe: PushSubscribe;
  /** synchronous snapshot */
  getState(): AppState;
  /** the signing secret, for the clipboard copy in main only: never sent to the window */
  getSecret(): string | null;
  /** the whole history, oldest first, a page at a time: for the export to a file the user picks */
  historyPages(): Iterable<DeliveryRecord[]>;
  /** the longest close() takes (daemon hand-back + drain + margin): the quit waits this long */
  readonly closeBudgetMs?: number;
  /** drains the dispatcher (bounded) and hands the daemon its URL back */
  close(): Promise<void>;
}
