// A deliver engine's log: the delivery log with each record's id set from outside (its event's
// sequence in the fleet's events stream, so the webhook-id is the same whichever process sends
// it), which keeps every record still queued however many settled ones follow.

import type { DeliveryRecord } from '../../../shared/delivery';
import { DeliveryLog } from '../delivery/delivery-log';

/**
 * The delivery log with ids set from outside: each record's id is its event's stream sequence.
 * Records still queued (in flight, waiting for a later attempt, held by the breaker) are kept
 * however many settled ones come after them: the engine finds a waiting event by id, and its
 * JetStream message is held until that event's outcome is known.
 */
export class SequencedLog extends DeliveryLog {
  preset: number | null = null;
  private readonly unsettled = new Map<number, DeliveryRecord>();

  override nextId(): number {
    if (this.preset === null) return super.nextId();
    const id = this.preset;
    this.preset = null;
    return id;
  }

  override add(rec: DeliveryRecord): DeliveryRecord {
    if (rec.outcome === 'queued') this.unsettled.set(rec.id, rec);
    return super.add(rec);
  }

  override update(rec: DeliveryRecord): void {
    if (rec.outcome !== 'queued') this.unsettled.delete(rec.id);
    super.update(rec);
  }

  override get(id: number): DeliveryRecord | undefined {
    return super.get(id) ?? this.unsettled.get(id);
  }
}

