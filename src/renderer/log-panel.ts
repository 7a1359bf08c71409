// The live delivery log: the window's record store, the topic and outcome filters, the
// auto-scroll toggle and the virtualised list. Pushed records arrive in per-frame batches.

import { OUTCOMES, type DeliveryRecord, type Outcome } from '../shared/delivery';
import { byId, el, setText } from './dom';
import { attemptResult, formatCount, formatDuration, formatTime, outcomeLabel } from './format';
import { LogStore, MAX_CLIENT_RECORDS } from './log-store';
import { topicFilter, type TopicTest } from './topic-filter';
import { VirtualList } from './virtual-list';

/** The last column of a row: what the last attempt got, or why there was none. */
function resultText(r: DeliveryRecord): string {
  const last = r.attempts[r.attempts.length - 1];
  if (last === undefined) return r.detail ?? (r.outcome === 'queued' ? 'waiting' : '');
  const tries = r.attempts.length > 1 ? ` · ${r.attempts.length} attempts` : '';
  return `${attemptResult(last)} · ${formatDuration(last.durationMs)}${tries}`;
}

function fillRow(row: HTMLElement, r: DeliveryRecord): void {
  if (row.childElementCount === 0) {
    row.append(
      el('span', { class: 'c-time' }),
      el('span', { class: 'chip' }),
      el('span', { class: 'c-topic' }),
      el('span', { class: 'c-result' }),
    );
  }
  const [time, chip, topic, result] = row.children as unknown as HTMLElement[];
  setText(time!, formatTime(r.receivedAt));
  setText(chip!, outcomeLabel(r.outcome));
  chip!.dataset.outcome = r.outcome;
  row.dataset.outcome = r.outcome;
  setText(topic!, r.event);
  setText(result!, resultText(r));
}

export class LogPanel {
  readonly store = new LogStore(MAX_CLIENT_RECORDS);
  private readonly list: VirtualList<DeliveryRecord>;
  private readonly count = byId('log-count', HTMLElement);
  private readonly empty = byId('log-empty', HTMLElement);
  private readonly topicInput = byId('f-topic', HTMLInputElement);
  private readonly outcomeSelect = byId('f-outcome', HTMLSelectElement);
  private readonly autoScroll = byId('autoscroll', HTMLButtonElement);
  private topicTest: TopicTest | null = null;
  private outcome: Outcome | null = null;
  private view: readonly DeliveryRecord[] = [];

  constructor(onOpen: (record: DeliveryRecord) => void) {
    this.list = new VirtualList<DeliveryRecord>({
      root: byId('log', HTMLElement),
      canvas: byId('log-canvas', HTMLElement),
      key: (r) => r.id,
      fillRow,
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

  /** Outcome of the newest event that is no longer queued (for the badge). */
  lastFinished(): Outcome | null {
    for (const r of this.store.records) {
      if (r.outcome !== 'queued' && r.outcome !== 'rejected') return r.outcome;
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
    if (topic === null && outcome === null) return all;
    return all.filter((r) => (outcome === null || r.outcome === outcome) && (topic === null || topic(r.event)));
  }

  private refilter(): void {
    this.view = this.filtered();
    this.list.reset(this.view);
    this.renderCounts();
  }

  private renderCounts(): void {
    const total = this.store.records.length;
    const shown = this.view.length;
    const filtering = this.topicTest !== null || this.outcome !== null;
    let text = filtering
      ? `${formatCount(shown)} of ${formatCount(total)} entries match`
      : `${formatCount(total)} ${total === 1 ? 'entry' : 'entries'}, newest first`;
    if (total >= MAX_CLIENT_RECORDS) text += ` (this window keeps the newest ${formatCount(MAX_CLIENT_RECORDS)})`;
    setText(this.count, text);
    this.empty.hidden = shown > 0;
    setText(
      this.empty,
      total === 0 ? 'No events yet. Events from the Pilot daemon appear here as they arrive.' : 'No entries match the filters.',
    );
  }
}
