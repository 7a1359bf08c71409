// Demo mode: synthetic Pilot events at a gentle rate and, when no URL is set, the built-in local
// receiver as the target (never saved, and never handed to the daemon: it dies with the app).

import type { AcceptedEvent } from '../../../shared/events';
import { startDemoSource } from './demo-events';
import { startDemoReceiver, type DemoReceiver } from './demo-receiver';

export interface Demo {
  /** the built-in receiver's URL when it is the target, else null */
  readonly receiverUrl: string | null;
  /** starts the synthetic events (once the dispatcher is there to take them) */
  startEvents(submit: (ev: AcceptedEvent) => void): void;
  /** first at close: nothing new may arrive while the rest shuts down */
  stopEvents(): void;
  /** last at close: the receiver takes the events drained to it until then */
  close(): Promise<void>;
}

/** The receiver starts only when there is no URL to deliver to; `warnings` says where events go. */
export async function startDemo(url: string | null, warnings: string[]): Promise<Demo> {
  let receiver: DemoReceiver | null = null;
  if (url === null) {
    receiver = await startDemoReceiver();
    warnings.push(`Demo mode: delivering to the built-in receiver at ${receiver.url} (not saved).`);
  }
  let source: { stop(): void } | null = null;
  return {
    receiverUrl: receiver?.url ?? null,
    startEvents: (submit) => {
      source ??= startDemoSource(submit);
    },
    stopEvents: () => source?.stop(),
    close: async () => {
      source?.stop();
      await receiver?.close();
    },
  };
}
