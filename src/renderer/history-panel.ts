// History and redelivery: where the history is kept and what retention removed, the topic filter
// (which topics are delivered), "Send all failed since …", and the JSON Lines export.

import type { AppState, Bridge } from '../shared/bridge';
import { REDELIVER_OUTCOMES, type RedeliverOutcome } from '../shared/delivery';
import { checkTopicFilters, normaliseTopicFilters } from '../shared/topic-patterns';
import { safeText } from '../shared/safe-text';
import { byId, el, setText } from './dom';
import { confirmAction } from './dialogs';
import { formatClock, formatCount } from './format';
import { eventsWord, planResend } from './resend-plan';
import { describeRetryPlan } from './retry-plan';

/** "Send all failed since" starts one day back: the usual "it was down overnight". */
const DEFAULT_SINCE_MS = 24 * 60 * 60 * 1000;

/** How the confirmation names the selection: "Resend 12 failed events since 14:05?" */
const OUTCOME_WORDS: Record<RedeliverOutcome, string> = {
  failed: 'failed',
  circuit_skipped: 'skipped',
  any_undelivered: 'undelivered',
};

const OUTCOME_LABELS: Record<RedeliverOutcome, string> = {
  failed: 'Failed',
  circuit_skipped: 'Skipped (circuit open)',
  any_undelivered: 'Any not delivered',
};

/** `YYYY-MM-DDTHH:MM` in local time, as a datetime-local input wants it. */
function localInputValue(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/**
 * Downloads the export (headless page only); resolves with an error message or null. Without one
 * (the desktop app) the export is the bridge's exportHistory, which asks where to save.
 */
export type ExportDownload = () => Promise<string | null>;

export class HistoryPanel {
  private readonly where = byId('history-where', HTMLElement);
  private readonly retryPlan = byId('retry-plan', HTMLElement);
  private readonly filterForm = byId('topic-filter-form', HTMLFormElement);
  private readonly filterInput = byId('topic-filters', HTMLInputElement);
  private readonly filterMsg = byId('topic-filter-msg', HTMLElement);
  private readonly sinceInput = byId('redeliver-since', HTMLInputElement);
  private readonly outcomeSelect = byId('redeliver-outcome', HTMLSelectElement);
  private readonly redeliverMsg = byId('redeliver-msg', HTMLElement);
  private readonly exportButton = byId('history-export', HTMLButtonElement);
  private readonly exportMsg = byId('export-msg', HTMLElement);
  private readonly logFileButton = byId('log-file-open', HTMLButtonElement);
  private readonly logFileMsg = byId('log-file-msg', HTMLElement);
  /** the filters last shown from the state; the field is not overwritten while the user edits */
  private shownFilters: string | null = null;

  constructor(
    private readonly bridge: Bridge,
    private readonly download: ExportDownload | null,
  ) {
    for (const o of REDELIVER_OUTCOMES) this.outcomeSelect.append(el('option', { value: o }, [OUTCOME_LABELS[o]]));
    this.outcomeSelect.value = 'any_undelivered';
    this.sinceInput.value = localInputValue(Date.now() - DEFAULT_SINCE_MS);
    this.filterForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.saveFilters();
    });
    byId('redeliver-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      void this.redeliver();
    });
    this.exportButton.addEventListener('click', () => void this.export());
    this.logFileButton.addEventListener('click', () => void this.openLogFile());
  }

  /** The desktop app opens the main-process log in the system's viewer; a browser is told where it is. */
  private async openLogFile(): Promise<void> {
    const r = await this.bridge.openLogFile();
    if (!r.ok) setText(this.logFileMsg, `The log file could not be opened: ${r.error.message}`);
    else setText(this.logFileMsg, r.value.opened ? `Opened ${safeText(r.value.path)}` : `The log is at ${safeText(r.value.path)}`);
  }

  update(state: AppState): void {
    const h = state.history;
    const kept = `Kept ${h.days} days, at most ${formatCount(h.maxMB)} MB`;
    const removed = h.retentionRemoved > 0 ? `; retention removed ${formatCount(h.retentionRemoved)} old records since start` : '';
    setText(
      this.where,
      h.durable
        ? `${formatCount(h.records)} records in ${safeText(h.path ?? 'the data folder')}. ${kept}${removed}.`
        : 'In memory only: the history and pending events are lost when the app stops.',
    );
    setText(this.retryPlan, describeRetryPlan(state.retry));
    const filters = state.topicFilters.join(', ');
    if (filters !== this.shownFilters && document.activeElement !== this.filterInput) {
      this.filterInput.value = filters;
      this.shownFilters = filters;
    }
  }

  private async saveFilters(): Promise<void> {
    const filters = normaliseTopicFilters(this.filterInput.value.split(','));
    const problem = checkTopicFilters(filters);
    if (problem) {
      setText(this.filterMsg, problem);
      return;
    }
    const r = await this.bridge.setTopicFilters({ filters });
    if (!r.ok) {
      setText(this.filterMsg, r.error.message);
      return;
    }
    this.shownFilters = r.value.filters.join(', ');
    this.filterInput.value = this.shownFilters;
    setText(
      this.filterMsg,
      r.value.filters.length === 0
        ? 'Every topic is delivered.'
        : `Only ${this.shownFilters} are delivered; other events are recorded as filtered.`,
    );
  }

  private async redeliver(): Promise<void> {
    const ms = new Date(this.sinceInput.value).getTime();
    if (this.sinceInput.value === '' || Number.isNaN(ms)) {
      setText(this.redeliverMsg, 'Choose a date and time to send from.');
      return;
    }
    const outcome = this.outcomeSelect.value as RedeliverOutcome;
    // Say what it will do first, with the count.
    const plan = await planResend(this.bridge, ms, outcome);
    if (plan.count === 0) {
      setText(this.redeliverMsg, 'Nothing to send again since then.');
      return;
    }
    const n = `${plan.atLeast ? 'at least ' : ''}${formatCount(plan.count)}`;
    const sure = await confirmAction({
      question: `Resend ${n} ${OUTCOME_WORDS[outcome]} ${eventsWord(plan.count)} since ${formatClock(ms, Date.now())}?`,
      detail: 'They are queued again as new entries, in the order they arrived; the originals stay in the log, linked to their copies.',
      ok: `Resend ${formatCount(plan.count)}`,
    });
    if (!sure) {
      setText(this.redeliverMsg, 'Nothing sent.');
      return;
    }
    const r = await this.bridge.redeliver({ since: new Date(ms).toISOString(), outcome });
    if (!r.ok) setText(this.redeliverMsg, `Nothing sent: ${r.error.message}`);
    else if (r.value.queued === 0) setText(this.redeliverMsg, 'Nothing to send again since then.');
    else setText(this.redeliverMsg, `${formatCount(r.value.queued)} queued again, in the order they arrived.`);
  }

  private async export(): Promise<void> {
    if (this.download) {
      setText(this.exportMsg, 'Preparing the export…');
      const problem = await this.download();
      setText(this.exportMsg, problem === null ? 'Export downloaded.' : `Export failed: ${problem}`);
      return;
    }
    this.exportButton.disabled = true;
    try {
      const r = await this.bridge.exportHistory();
      if (r.ok) setText(this.exportMsg, `Exported ${formatCount(r.value.records)} records to ${r.value.path}`);
      // Cancelling the save dialog is the user's choice, not a failure worth alarming about.
      else setText(this.exportMsg, r.error.code === 'cancelled' ? r.error.message : `Export failed: ${r.error.message}`);
    } catch (err) {
      setText(this.exportMsg, `Export failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.exportButton.disabled = false;
    }
  }
}
