// One destination as the window and the API see it: its settings with header values and secret
// masked, its dispatcher's counters, breaker and client counters, its status line and, rate-limited,
// what waits for the next digest. Secrets go in here and only hints come out.

import { CLOSED_BREAKER, emptyStats } from '../../../shared/delivery';
import { destinationView, type DestinationConfig } from '../../../shared/destination';
import { destinationStatus, type DestinationSummary } from '../../../shared/destination-summary';
import { DEFAULT_CONCURRENCY, type Dispatcher } from '../delivery/dispatcher';
import { secretHint } from '../delivery/signing';

export function summarize(
  cfg: DestinationConfig,
  d: Dispatcher | null,
  /** the destination's extra headers (values in clear) and its signing secret in use */
  secrets: { headers: Readonly<Record<string, string>>; secret: string | null },
  now: number,
): DestinationSummary {
  // The primary's URL in use may be this run's only (--url, the demo receiver): show that one.
  const shown = cfg.primary && d?.url != null ? { ...cfg, url: d.url } : cfg;
  const { secret } = secrets;
  const view = destinationView(shown, secrets.headers, { set: secret !== null, hint: secret === null ? null : secretHint(secret) });
  const stats = d?.stats() ?? emptyStats();
  const breaker = d?.breaker() ?? { ...CLOSED_BREAKER };
  const waiting = d?.paused ? 'paused' : d?.suspended ? 'suspended' : null;
  const rate = d?.rateView() ?? null;
  return {
    ...view,
    stats,
    breaker,
    client: d?.client() ?? { dropped: 0, circuitSkips: 0 },
    concurrencyInUse: d?.concurrency ?? cfg.concurrency ?? DEFAULT_CONCURRENCY,
    status: destinationStatus({ url: shown.url, enabled: cfg.enabled, waiting, breaker, stats }, now),
    ...(rate !== null && { rateLimited: rate }),
  };
}
