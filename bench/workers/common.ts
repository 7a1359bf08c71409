// Shared by the benchmark's worker processes: the sample event, the dispatcher built the way the
// app builds it, and the one-JSON-line protocol the runner reads.

import { Dispatcher, type DispatcherOptions } from '../../src/main/core/delivery/dispatcher';
import { DeliveryLog } from '../../src/main/core/delivery/delivery-log';
import { LOG_CAPACITY } from '../../src/main/core/controller';
import { createEgressAgent } from '../../src/main/core/egress-guard';
import { UrlPolicy } from '../../src/main/core/url-policy';
import type { AcceptedEvent } from '../../src/shared/events';

/**
 * A daemon event of typical size (message.received, about 200 bytes of JSON), built field by field
 * in the order the ingest's checkEventBody builds one (`event`, then node_id, timestamp, data, and
 * the daemon's event_id as daemonEventId): so it has the hidden class a real event has, the one the
 * app's start-up warm-up teaches the engine (an object literal's differs, and code optimised for
 * one deoptimises at the other: bench/README.md, the dispatcher's third pass).
 */
export function sampleEvent(i: number): AcceptedEvent {
  const ev: AcceptedEvent = { event: 'message.received' };
  ev.node_id = 7;
  ev.timestamp = new Date().toISOString();
  ev.data = { from: '0:0000.0000.0002', message_id: `bench-${i}`, size: 128, type: 'TEXT' };
  ev.daemonEventId = i;
  return ev;
}

/**
 * The dispatcher as the controller builds it: bounded log, the app's URL rules checked before
 * every event, the connect-time egress guard as connection pool. Only `overrides` differ.
 */
export function appDispatcher(
  url: string,
  overrides: Partial<DispatcherOptions> = {},
): { d: Dispatcher; log: DeliveryLog; close(): Promise<void> } {
  const log = new DeliveryLog({ capacity: LOG_CAPACITY });
  // The controller's URL policy: the rules before every event, their last verdict kept.
  const policy = new UrlPolicy({ strict: false });
  const agent = createEgressAgent({ strict: policy.strict, ownPorts: policy.ownPorts });
  const d = new Dispatcher(
    {
      url,
      agent,
      checkUrl: policy.check,
      ...overrides,
    },
    log,
  );
  const close = async (): Promise<void> => {
    await d.close();
    await agent.close();
  };
  return { d, log, close };
}

/** `--name value` pairs into a lookup with defaults. */
export function flags(argv: readonly string[]): { str(name: string, dflt?: string): string; num(name: string, dflt?: number): number } {
  const map = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) map.set(argv[i]!.replace(/^--/, ''), argv[i + 1] ?? '');
  const str = (name: string, dflt?: string): string => {
    const v = map.get(name) ?? dflt;
    if (v === undefined) throw new Error(`--${name} is required`);
    return v;
  };
  return { str, num: (name, dflt) => Number(str(name, dflt === undefined ? undefined : String(dflt))) };
}

/** The worker's result: one JSON line on stdout, the only thing the runner parses. */
export function report(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Ends the worker with exit code 1 and the reason on stderr (an accounting error or a crash). */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at]!;
}
