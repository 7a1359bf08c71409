// Synthetic Pilot events for demo mode: the topics a real node produces, with data shaped like
// the daemon's, so the window shows what a live node looks like without one.

import type { AcceptedEvent } from '../../../shared/events';

/** A gentle rate: readable in the log, and a few per second at most. */
export const DEMO_INTERVAL_MS = 1500;

/** A made-up node id for the demo node (the daemon's ids are uint32). */
const DEMO_NODE_ID = 4_242;

type Maker = (n: number) => unknown;

const peer = (n: number): string => `0:0000.0000.${(0x1000 + (n % 7)).toString(16)}`;

// Weighted toward what a busy node emits most (connections, messages), with rarer trouble.
const DEMO_TOPICS: [topic: string, weight: number, data: Maker][] = [
  ['conn.established', 5, (n) => ({ peer: peer(n), port: 1000 + (n % 3), conn_id: n })],
  ['conn.fin', 4, (n) => ({ peer: peer(n), conn_id: n - 1 })],
  ['message.received', 5, (n) => ({ from: peer(n), size: 64 + (n % 900), type: 'text' })],
  ['tunnel.established', 2, (n) => ({ peer: peer(n), relay: false })],
  ['handshake.received', 1, (n) => ({ from: peer(n), justification: 'demo agent' })],
  ['trust.changed', 1, (n) => ({ peer: peer(n), trusted: true })],
  ['agent.heartbeat', 3, () => ({ status: 'ok' })],
  ['tunnel.rx_silence', 1, (n) => ({ peer: peer(n), silent_seconds: 12 })],
  ['file.received', 1, (n) => ({ from: peer(n), name: `report-${n}.pdf`, size: 48_213 })],
  ['policy.demo_rule', 1, (n) => ({ rule: 'allow-demo', matched: n % 2 === 0 })],
];

const TOTAL_WEIGHT = DEMO_TOPICS.reduce((s, [, w]) => s + w, 0);

/** Step through the weighted slots; coprime to TOTAL_WEIGHT (24) so no slot is skipped. */
const DEMO_STRIDE = 7;

/** The n-th demo event; deterministic for a given n so tests and screenshots are stable. */
export function demoEvent(n: number, now: Date = new Date()): AcceptedEvent {
  // A stride coprime to the total weight visits every slot in a varied but repeatable order.
  let pick = (n * DEMO_STRIDE) % TOTAL_WEIGHT;
  for (const [topic, weight, make] of DEMO_TOPICS) {
    if (pick < weight) return { event: topic, node_id: DEMO_NODE_ID, timestamp: now.toISOString(), data: make(n) };
    pick -= weight;
  }
  throw new Error('unreachable: weights cover the range');
}

/** Emits demo events until stopped. */
export function startDemoSource(emit: (ev: AcceptedEvent) => void, intervalMs = DEMO_INTERVAL_MS): { stop(): void } {
  let n = 0;
  const timer = setInterval(() => emit(demoEvent(++n)), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
