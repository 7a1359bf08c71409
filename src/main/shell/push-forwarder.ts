// Sends the controller's pushes on to the window. The controller already coalesces them (state at
// most once per PUSH_INTERVAL_MS, records gathered by id: core/push-batcher.ts), so this only
// routes each push to its channel and skips a window that is gone.

import type { WebContents } from 'electron';
import { PUSH_NAMES, type PushSubscribe } from '../../shared/bridge';
import { pushChannel } from '../../shared/ipc-channels';

export function forwardPushes(subscribe: PushSubscribe, target: () => Pick<WebContents, 'send' | 'isDestroyed'> | null): () => void {
  const unsubscribes = PUSH_NAMES.map((name) =>
    subscribe(name, (value) => {
      const wc = target();
      if (wc !== null && !wc.isDestroyed()) wc.send(pushChannel(name), value);
    }),
  );
  return () => {
    for (const u of unsubscribes) u();
  };
}
