// The last hour at a glance: deliveries, failures and mean latency per half minute, drawn with
// uPlot on a canvas. It stays cheap under thousands of events a second: records only bump a
// bucket's counters (no per-event drawing), and the chart is redrawn at most every
// REDRAW_MS, only while its disclosure is open and the page visible. The figures come from what
// the window saw (the first log page, then the pushes), so a freshly opened window shows only
// what its first page holds; the summary line says how many it covers. Each destination has its
// own buckets too: while the log is filtered to one destination, the chart shows that one.

import uPlot from 'uplot';
import type { DeliveryRecord, Outcome } from '../shared/delivery';
import { byId, setAttr, setText } from './dom';
import { formatCount, formatDuration, formatHourMinute } from './format';

/** One point per half minute: 120 points over the hour, enough to see a burst. */
const BUCKET_MS = 30_000;
const WINDOW_MS = 60 * 60_000;
const BUCKETS = WINDOW_MS / BUCKET_MS;
/** Redraws at most this often: smooth to the eye, negligible under load. */
const REDRAW_MS = 1_000;
/** Height of the plot area in CSS px (the stylesheet gives its box the same). */
const CHART_HEIGHT_PX = 96;
/** Windows at least this tall open the chart by default; shorter ones keep the rows for the log. */
const OPEN_MIN_HEIGHT_PX = 640;

const FAILED: ReadonlySet<Outcome> = new Set<Outcome>(['failed', 'client_error', 'redirect']);

interface Bucket {
  delivered: number;
  failed: number;
  latencySum: number;
}

function bucketAt(map: Map<number, Bucket>, key: number): Bucket {
  let b = map.get(key);
  if (b === undefined) {
    b = { delivered: 0, failed: 0, latencySum: 0 };
    map.set(key, b);
  }
  return b;
}

/** Several destinations' bucket at one time, added up (undefined when none has one). */
function sum(maps: readonly Map<number, Bucket>[], key: number): Bucket | undefined {
  let out: Bucket | undefined;
  for (const m of maps) {
    const b = m.get(key);
    if (b === undefined) continue;
    out ??= { delivered: 0, failed: 0, latencySum: 0 };
    out.delivered += b.delivered;
    out.failed += b.failed;
    out.latencySum += b.latencySum;
  }
  return out;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export class ActivityChart {
  private readonly box = byId('chart-box', HTMLDetailsElement);
  private readonly host = byId('chart', HTMLElement);
  private readonly summary = byId('chart-summary', HTMLElement);
  /** by destination id ('' for records that name none: the primary's), then by bucket start */
  private readonly perDestination = new Map<string, Map<number, Bucket>>();
  /** every destination's together */
  private readonly all = new Map<number, Bucket>();
  /** the destinations shown (null: all) and their name for the summary */
  private shown: { keys: readonly string[]; name: string } | null = null;
  private plot: uPlot | null = null;
  private dirty = true;

  constructor() {
    // Open or closed by the window's height until the user chooses (a click on "Last hour").
    let chosen = false;
    const fit = (): void => {
      if (!chosen) this.box.open = window.innerHeight >= OPEN_MIN_HEIGHT_PX;
    };
    fit();
    window.addEventListener('resize', fit);
    this.box.querySelector('summary')?.addEventListener('click', () => (chosen = true));
    this.box.addEventListener('toggle', () => {
      this.dirty = true;
      this.redraw();
    });
    new ResizeObserver(() => {
      if (this.plot && this.box.open) this.plot.setSize({ width: this.width(), height: CHART_HEIGHT_PX });
    }).observe(this.host);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      this.plot?.destroy();
      this.plot = null;
      this.dirty = true;
      this.redraw();
    });
    setInterval(() => this.redraw(), REDRAW_MS);
  }

  /**
   * Counts the records that just finished. `previous` gives the window's earlier version of a
   * record, so a record pushed again (its resend link set, say) is not counted twice.
   */
  observe(records: readonly DeliveryRecord[], previous: (id: number) => DeliveryRecord | undefined): void {
    const horizon = Date.now() - WINDOW_MS;
    for (const r of records) {
      if (r.outcome === 'queued' || r.source === 'test') continue;
      const last = r.attempts[r.attempts.length - 1];
      if (last === undefined) continue;
      const before = previous(r.id);
      if (before !== undefined && before.outcome !== 'queued') continue;
      const at = last.startedAt + last.durationMs;
      if (at < horizon) continue;
      const key = Math.floor(at / BUCKET_MS) * BUCKET_MS;
      const dest = r.destinationId ?? '';
      let mine = this.perDestination.get(dest);
      if (mine === undefined) {
        mine = new Map();
        this.perDestination.set(dest, mine);
      }
      for (const b of [bucketAt(this.all, key), bucketAt(mine, key)]) {
        if (r.outcome === 'delivered') {
          b.delivered++;
          b.latencySum += last.durationMs;
        } else if (FAILED.has(r.outcome)) {
          b.failed++;
        }
      }
      this.dirty = true;
    }
  }

  /**
   * Shows one destination's figures (`keys`: its id, and '' too for the primary, whose older
   * records name no destination), or every destination's (null).
   */
  showDestination(shown: { keys: readonly string[]; name: string } | null): void {
    this.shown = shown;
    this.dirty = true;
    this.redraw();
  }

  private width(): number {
    return Math.max(120, this.host.clientWidth);
  }

  private series(now: number): [number[], number[], number[], (number | null)[]] {
    const end = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    const start = end - (BUCKETS - 1) * BUCKET_MS;
    for (const map of [this.all, ...this.perDestination.values()]) for (const key of map.keys()) if (key < start) map.delete(key);
    const maps = this.shown === null ? [this.all] : this.shown.keys.map((k) => this.perDestination.get(k)).filter((m) => m !== undefined);
    const xs: number[] = [];
    const delivered: number[] = [];
    const failed: number[] = [];
    const latency: (number | null)[] = [];
    for (let t = start; t <= end; t += BUCKET_MS) {
      const b = maps.length === 1 ? maps[0]!.get(t) : sum(maps, t);
      xs.push(t / 1000);
      delivered.push(b?.delivered ?? 0);
      failed.push(b?.failed ?? 0);
      latency.push(b && b.delivered > 0 ? b.latencySum / b.delivered : null);
    }
    return [xs, delivered, failed, latency];
  }

  private redraw(): void {
    if (!this.dirty && Date.now() % BUCKET_MS > REDRAW_MS) return;
    const data = this.series(Date.now());
    this.dirty = false;
    let d = 0;
    let f = 0;
    let lat = 0;
    for (let i = 0; i < data[0].length; i++) {
      d += data[1][i]!;
      f += data[2][i]!;
      lat += (data[3][i] ?? 0) * data[1][i]!;
    }
    const whose = this.shown === null ? '' : `${this.shown.name}: `;
    const text = whose + (d + f === 0
      ? 'nothing delivered or failed in the last hour'
      : `${formatCount(d)} delivered · ${formatCount(f)} failed${d > 0 ? ` · mean ${formatDuration(lat / d)}` : ''}`);
    setText(this.summary, text);
    setAttr(this.host, 'aria-label', `Last hour, per half minute: ${text}`);
    if (!this.box.open || document.hidden) return;
    if (this.plot === null) this.plot = this.create(data);
    else this.plot.setData(data);
  }

  private create(data: uPlot.AlignedData): uPlot {
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--line'), width: 1 }, ticks: { show: false }, font: '11px system-ui, sans-serif', size: 28 };
    return new uPlot(
      {
        width: this.width(),
        height: CHART_HEIGHT_PX,
        legend: { show: false },
        cursor: { y: false, points: { show: false } },
        scales: { x: { time: true }, n: { range: (_u, _min, max) => [0, Math.max(1, max)] }, ms: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          // 24-hour local clock, as everywhere in the window; never a date: the chart spans one hour,
          // and in the hour after midnight "Dec 01 23:10" labels ran into each other.
          { ...axis, size: 22, values: (_u, ticks) => ticks.map((t) => formatHourMinute(t * 1000)) },
          { ...axis, scale: 'n', size: 40 },
          { ...axis, scale: 'ms', side: 1, size: 44, grid: { show: false }, values: (_u, ticks) => ticks.map((t) => `${t} ms`) },
        ],
        series: [
          {},
          { label: 'Delivered', scale: 'n', stroke: cssVar('--chart-delivered'), width: 1.5 },
          { label: 'Failed', scale: 'n', stroke: cssVar('--chart-failed'), width: 1.5 },
          { label: 'Latency (ms)', scale: 'ms', stroke: cssVar('--chart-latency'), width: 1, dash: [4, 3], spanGaps: false },
        ],
      },
      data,
      this.host,
    );
  }
}
