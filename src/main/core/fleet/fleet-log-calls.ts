// The log calls in fleet mode: the window reads the fleet-wide log (every deliver process's
// records, fleet-log.ts), and "Send again" from any window publishes each record's event to the
// fleet once more, for that record's destination only: whichever deliver process takes it sends
// it as a new event (its own webhook-id).

import { fail, type Result } from '../../../shared/api-errors';
import type { BridgeHandlers } from '../../../shared/bridge';
import { outcomesFor, RESENDABLE } from '../../../shared/delivery';
import { LOG_CAPACITY } from '../controller';
import { eventOf } from '../delivery/stored-event';
import type { FleetIngest } from './fleet-ingest';
import type { FleetLog } from './fleet-log';

export function fleetLogHandlers(fleetLog: FleetLog, ingest: FleetIngest): Pick<BridgeHandlers, 'getLog' | 'resend' | 'redeliver'> {
  const sendAgain = async (ids: readonly number[]): Promise<Result<{ queued: number }>> => {
    let queued = 0;
    for (const id of ids) {
      const rec = fleetLog.get(id);
      if (!rec?.fleet || !RESENDABLE.has(rec.outcome)) continue;
      const ev = eventOf(rec);
      if (!ev) continue;
      try {
        rec.resentAs = await ingest.republish(ev, rec.fleet.destinationId, rec.id);
      } catch (err) {
        return fail('fleet_unavailable', `Sent ${queued} of ${ids.length} again; the rest could not be published (${(err as Error).message}).`);
      }
      fleetLog.update(rec);
      queued++;
    }
    return { ok: true, value: { queued } };
  };

  return {
    getLog: async (q) => ({ records: fleetLog.query({ ...q, limit: Math.min(q.limit ?? LOG_CAPACITY, LOG_CAPACITY) }) }),
    resend: async ({ ids }) => sendAgain(ids),
    redeliver: async (arg) => {
      if ('ids' in arg) return sendAgain([...arg.ids].sort((a, b) => a - b));
      const since = Date.parse(arg.since);
      if (Number.isNaN(since)) return fail('invalid_argument', `"since" is not a date-time this app can read: ${arg.since}`);
      return sendAgain(fleetLog.redeliverable(since, outcomesFor(arg.outcome)));
    },
  };
}
