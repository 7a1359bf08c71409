// The live delivery log: the window's record store, the topic and outcome filters, the
// auto-scroll toggle and the virtualised list. Pushed records arrive in per-frame batches.

import { OUTCOMES, type DeliveryRecord, type Outcome } from '../shared/delivery';
import { byId, el, setAttr, setHidden, setText } from './dom';
import { attemptShort, chipLabel, formatClock, formatCount, formatDateTime, formatDuration, formatUtc, formatWhen, outcomeLabel } from './format';
import { safeText } from '../shared/safe-text';
import { LogStore, MAX_CLIENT_RECORDS } from './log-store';
import { topicFilter, type TopicTest } from './topic-filter';
import { VirtualList } from './virtual-list';

/**
 * When a record waiting for a later attempt tries next (the self-healing schedule of
 * docs/architecture.md); read this way because older hosts do not send it.
 */
export function nextAttemptAt(r: DeliveryRecord): number | undefined {
  const v = (r as DeliveryRecord & { nextAttemptAt?: unknown }).nextAttemptAt;
  return typeof v === 'number' ? v : undefined;
}

/** How the app refers to another record of the log. */
export function recordRef(id: number): string {
  return `#${id}`;
}

/**
 * The last column of a row, short enough never to be cut (the full story is in the details):
 * what the last attempt got, how long it took and how many attempts, when it tries next, and
 * the links between a record and its resend.
 */
export function resultText(r: DeliveryRecord, now: number): string {
  const parts: string[] = [];
  if (r.resendOf !== undefined) parts.push(`resend of ${recordRef(r.resendOf)}`);
  const last = r.attempts[r.attempts.length - 1];
  if (last !== undefined) {
    parts.push(attemptShort(last), formatDuration(last.durationMs));
    if (r.attempts.length > 1) parts.push(`${r.attempts.length} attempts`);
  } else {
    parts.push(NOT_SENT_REASONS[r.outcome] ?? '');
  }
  const next = nextAttemptAt(r);
  if (r.outcome === 'queued' && next !== undefined) parts.push(`next ${formatClock(next, now)}`);
  if (r.resentAs !== undefined) parts.push(`sent again as ${recordRef(r.resentAs)}`);
  return parts.filter((p) => p !== '').join(' · ');
}

/** Why a record without attempts was not sent, in a few words. */
const NOT_SENT_REASONS: Partial<Record<Outcome, string>> = {
  queued: 'waiting',
  dropped: 'queue full',
  circuit_skipped: 'circuit open',
  abandoned: 'app closed first',
  no_url: 'no URL set',
  filtered: 'topic filtered',
  rejected: 'body refused by the ingest',
};

/** Names of the destinations by id, and the primary's id (older records carry no destination). */
export interface DestinationNames {
  /** the destinations there are now */
  names: ReadonlyMap<string, string>;
  primaryId: string | null;
  /** names of destinations this window saw that are gone now */
  removed?: ReadonlyMap<string, string>;
}

/** The id of the destination a record is for: its own, or the primary's when it names none. */
export function destinationOf(r: DeliveryRecord, primaryId: string | null): string | null {
  return r.destinationId ?? primaryId;
}

/**
 * The destination's name shown with a record: when there are several destinations, or when the
 * record's destination was removed while this window watched (its entries stay in the log); null
 * otherwise.
 */
export function destinationName(r: DeliveryRecord, dests: DestinationNames): string | null {
  const id = destinationOf(r, dests.primaryId);
  if (id === null) return null;
  const name = dests.names.get(id);
  if (name !== undefined) return dests.names.size < 2 ? null : name;
  // Gone while this window watched: said so, by the name it had. An id never seen (a test sent
  // to a URL not saved as a destination, a record older than this window) is not "removed".
  const gone = dests.removed?.get(id);
  if (gone !== undefined) return `${gone} (removed)`;
  return dests.names.size < 2 ? null : id;
}

function fillRow(row: HTMLElement, r: DeliveryRecord, now: number, startedAt: number | null, dests: DestinationNames): void {
  if (row.childElementCount === 0) {
    row.append(
      el('span', { class: 'c-time' }),
      el('span', { class: 'chip' }),
      el('span', { class: 'c-topic' }),
      el('span', { class: 'c-result' }),
    );
  }
  const [time, chip, topic, result] = row.children as unknown as HTMLElement[];
  setText(time!, formatWhen(r.receivedAt, now));
  const earlier = startedAt !== null && r.receivedAt < startedAt;
  // Attributes are written only when they change: at thousands of events a second every write
  // of an attribute a selector looks at costs a style recalculation.
  setAttr(time!, 'title', `${formatDateTime(r.receivedAt)} local\n${formatUtc(r.receivedAt)}${earlier ? '\nfrom an earlier run (before the app last started)' : ''}`);
  setAttr(row, 'data-earlier', String(earlier));
  setText(chip!, chipLabel(r.outcome));
  setAttr(chip!, 'data-outcome', r.outcome);
  setAttr(row, 'data-outcome', r.outcome);
  setAttr(row, 'data-source', r.source);
  const topicText = safeText(r.event);
  const tag = r.source === 'test' ? 'Test' : r.source === 'resend' ? 'Resend' : null;
  if (tag === null) {
    setText(topic!, topicText);
  } else if (topic!.textContent !== `${tag}${topicText}`) {
    topic!.replaceChildren(el('span', { class: 'row-tag' }, [tag]), topicText);
  }
  setAttr(topic!, 'title', topicText);
  const dest = destinationName(r, dests);
  const said = resultText(r, now);
  if (dest === null) {
    setText(result!, said);
  } else if (result!.textContent !== `${dest}${said}`) {
    const name = safeText(dest);
    result!.replaceChildren(el('span', { class: 'row-dest', title: `Destination: ${name}` }, [name]), said);
  }
}
export class LogPanel {
  readonly store = new LogStore(MAX_CLIENT_RECORDS);
  private readonly list: VirtualList<DeliveryRecord>;
  private readonly count = byId('log-count', HTMLElement);
  private readonly empty = byId('log-empty', HTMLElement);
  private readonly topicInput = byId('f-topic', HTMLInputElement);
  private readonly outcomeSelect = byId('f-outcome', HTMLSelectElement);
  private readonly destinationSelect = byId('f-destination', HTMLSelectElement);
  private destination: string | null = null;
  private dests: DestinationNames = { names: new Map(), primaryId: null };
  /** told when the user picks a destination in the filter (main loads its older entries) */
  onDestinationFilter: ((id: string | null) => void) | null = null;
  private readonly autoScroll = byId('autoscroll', HTMLButtonElement);
  private topicTest: TopicTest | null = null;
  private outcome: Outcome | null = null;
  private view: readonly DeliveryRecord[] = [];
  /** when this run of the app started: older rows are marked as earlier runs' history */
  private startedAt: number | null = null;

  constructor(onOpen: (record: DeliveryRecord) => void) {
    this.list = new VirtualList<DeliveryRecord>({
      root: byId('log', HTMLElement),
      canvas: byId('log-canvas', HTMLElement),
      key: (r) => r.id,
      fillRow: (row, r) => fillRow(row, r, Date.now(), this.startedAt, this.dests),
      onOpen,
    });
    for (const o of OUTCOMES) this.outcomeSelect.append(el('option', { value: o }, [outcomeLabel(o)]));
    this.topicInput.addEventListener('input', () => {
      this.topicTest = topicFilter(this.topicInput.value);
      this.refilter();
    });
    this.outcomeSelect.addEventListener('change', () => {
      this.outcome = (this.outcomeSelect.value || null) as Outcome | null;
      this.refilter();
    });
    this.destinationSelect.addEventListener('change', () => {
      this.showDestination(this.destinationSelect.value || null);
      this.onDestinationFilter?.(this.destination);
    });
    this.autoScroll.addEventListener('click', () => {
      const paused = this.autoScroll.getAttribute('aria-pressed') !== 'true';
      this.autoScroll.setAttribute('aria-pressed', String(paused));
      this.list.followNewest = !paused;
    });
    this.renderCounts();
  }

  /** New and changed records. `fetched` marks a page loaded from the log, maybe older than pushes. */
  add(records: readonly DeliveryRecord[], fetched = false): void {
    this.store.upsert(records, fetched);
    this.view = this.filtered();
    this.list.setItems(this.view);
    this.renderCounts();
  }

  get(id: number): DeliveryRecord | undefined {
    return this.store.get(id);
  }

  setStartedAt(startedAt: number | null): void {
    this.startedAt = startedAt;
  }

  /** Records in this window from before the app last started (earlier runs' history). */
  earlierCount(): number {
    if (this.startedAt === null) return 0;
    let n = 0;
    for (const r of this.store.records) if (r.receivedAt < this.startedAt) n++;
    return n;
  }

  /**
   * The destinations records are shown with (their names in rows when there are several) and
   * offered in the destination filter. Rows are refilled only when a name or the set changed.
   */
  setDestinations(list: readonly { id: string; name: string; primary: boolean }[]): void {
    const names = new Map(list.map((d) => [d.id, d.name] as const));
    const primaryId = list.find((d) => d.primary)?.id ?? null;
    const same = primaryId === this.dests.primaryId && names.size === this.dests.names.size && [...names].every(([id, n]) => this.dests.names.get(id) === n);
    if (same) return;
    const removed = new Map(this.dests.removed ?? []);
    for (const [id, n] of this.dests.names) if (!names.has(id)) removed.set(id, n);
    for (const id of names.keys()) removed.delete(id);
    this.dests = { names, primaryId, removed };
    const options = [el('option', { value: '' }, ['All destinations']), ...list.map((d) => el('option', { value: d.id }, [safeText(d.name)]))];
    this.destinationSelect.replaceChildren(...options);
    if (this.destination !== null && !names.has(this.destination)) {
      // A filtered destination that was deleted keeps its option, so the filter still says what it shows.
      this.destinationSelect.append(el('option', { value: this.destination }, [`${safeText(removed.get(this.destination) ?? this.destination)} (removed)`]));
    }
    this.destinationSelect.value = this.destination ?? '';
    setHidden(this.destinationSelect, list.length < 2 && this.destination === null);
    // Rows show the names: filled again in place (the scroll position and focus stay).
    this.list.refill();
  }

  /** Shows only this destination's records (or every destination's): the panel's "Show in log". */
  showDestination(id: string | null): void {
    this.destination = id;
    if (id !== null) setHidden(this.destinationSelect, false);
    this.destinationSelect.value = id ?? '';
    this.refilter();
  }

  /** The destination's name for a record, when there are several destinations (else null). */
  destinationNameOf(r: DeliveryRecord): string | null {
    return destinationName(r, this.dests);
  }

  /** Shows only this outcome (or every one): the tray's "failures" link and the filter menu. */
  showOutcome(outcome: Outcome | null): void {
    this.outcomeSelect.value = outcome ?? '';
    this.outcome = outcome;
    this.refilter();
  }

  /** Scrolls the row of this record into view, e.g. after a panel opened beside it. */
  reveal(id: number): void {
    this.list.reveal(id);
  }

  focusFilter(): void {
    this.topicInput.focus();
    this.topicInput.select();
  }

  /** Outcome of the newest event that is no longer queued (for the badge). */
  lastFinished(): Outcome | null {
    for (const r of this.store.records) {
      if (r.outcome !== 'queued' && r.outcome !== 'rejected' && r.source !== 'test') return r.outcome;
    }
    return null;
  }

  select(id: number | null): void {
    this.list.select(id);
  }

  focus(): void {
    this.list.focus();
  }

  private filtered(): readonly DeliveryRecord[] {
    const all = this.store.records;
    const topic = this.topicTest;
    const outcome = this.outcome;
    const dest = this.destination;
    const primaryId = this.dests.primaryId;
    if (topic === null && outcome === null && dest === null) return all;
    return all.filter(
      (r) =>
        (outcome === null || r.outcome === outcome) &&
        (topic === null || topic(r.event)) &&
        (dest === null || destinationOf(r, primaryId) === dest),
    );
  }

  private refilter(): void {
    this.view = this.filtered();
    this.list.reset(this.view);
    this.renderCounts();
  }

  private renderCounts(): void {
    const total = this.store.records.length;
    const shown = this.view.length;
    const filtering = this.topicTest !== null || this.outcome !== null || this.destination !== null;
    let text = filtering
      ? `${formatCount(shown)} of ${formatCount(total)} entries match`
      : `${formatCount(total)} ${total === 1 ? 'entry' : 'entries'}, newest first`;
    if (total >= MAX_CLIENT_RECORDS) text += ` (this window keeps the newest ${formatCount(MAX_CLIENT_RECORDS)})`;
    setText(this.count, text);
    setHidden(this.empty, shown > 0);
    setText(
      this.empty,
      total === 0 ? 'No events yet. Events from the Pilot daemon appear here as they arrive.' : 'No entries match the filters.',
    );
  }
}
