// The Destinations panel: every destination with its name, format, masked URL, status line and
// counters (and, above one, how many events are in flight at once), and per destination Edit, Enable/Disable, "Send test event" (its answer shown in
// place: status, the first bytes, a hint), "Make primary", "Show in log" and Delete (after a
// confirmation that says what it does). It shares the log's side with the details and Setup, one
// at a time. Rows are built once per destination and updated in place: state pushes arrive many
// times a second and must not take the focus from a button.

import type { AppState, Bridge, TestResult } from '../shared/bridge';
import type { DestinationSummary } from '../shared/destination-summary';
import { safeText } from '../shared/safe-text';
import { concurrencyLine, countsLine, formatShort, rateLimitLine, runOnlyNote, shownUrl } from './destination-form';
import { DestinationEditor } from './destination-editor';
import { confirmAction } from './dialogs';
import { byId, el, setAttr, setHidden, setText } from './dom';
import { formatCount } from './format';
import { testHint } from './test-hints';
import { describeTest } from './url-form';

interface Row {
  li: HTMLLIElement;
  name: HTMLElement;
  primary: HTMLElement;
  /** "This run only": the primary on --url or the demo receiver, not saved */
  runTag: HTMLElement;
  /** why a run-only row cannot be changed, and what to do instead */
  note: HTMLElement;
  format: HTMLElement;
  url: HTMLElement;
  status: HTMLElement;
  counts: HTMLElement;
  rate: HTMLElement;
  /** "Up to 8 events in flight at once…", shown only above one */
  inFlight: HTMLElement;
  toggle: HTMLButtonElement;
  makePrimary: HTMLButtonElement;
  /** the buttons that change a saved destination: hidden on a run-only one */
  changing: HTMLButtonElement[];
  save: HTMLButtonElement;
  test: HTMLButtonElement;
  result: HTMLElement;
  /** the URL the shown test result is about: a result clears when the URL changes */
  testedUrl: string | null;
}

export class DestinationsPanel {
  private readonly root = byId('dest-panel', HTMLElement);
  private readonly toggleButton = byId('dest-toggle', HTMLButtonElement);
  private readonly list = byId('dest-list', HTMLUListElement);
  private readonly empty = byId('dest-empty', HTMLElement);
  private readonly msg = byId('dest-msg', HTMLElement);
  private readonly addButton = byId('dest-add', HTMLButtonElement);
  private readonly editor: DestinationEditor;
  private readonly rows = new Map<string, Row>();
  private current: DestinationSummary[] = [];

  constructor(
    private readonly bridge: Bridge,
    /** called when the panel opens, to close the panels sharing its place */
    private readonly onOpen: () => void,
    /** filters the log to one destination */
    private readonly showInLog: (id: string) => void,
    /** opens a log record (a test event's entry) */
    private readonly openRecord: (id: number) => void,
  ) {
    this.editor = new DestinationEditor(
      bridge,
      (message, id) => {
        this.editor.close();
        this.say(message);
        this.rows.get(id)?.li.querySelector<HTMLElement>('.dest-name')?.focus();
        if (!this.rows.has(id)) this.addButton.focus();
      },
      () => this.closeEditor(),
    );
    this.toggleButton.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    byId('dest-close', HTMLButtonElement).addEventListener('click', () => this.close());
    this.addButton.addEventListener('click', () => {
      // Nothing saved yet: the first destination becomes the primary, in the run-only one's place.
      const run = this.current.find((d) => d.runOnly !== undefined && !d.runOnly.saved);
      if (run !== undefined) this.say(`The destination you add takes the place of ${safeText(run.name)} (this run only)${run.runOnly!.from === 'flag' ? ': save that one first to keep both' : ''}.`);
      this.editor.open(null);
    });
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  /** Escape inside the editor: the editor closes first, the panel next time. */
  escape(): void {
    if (this.editor.isOpen) this.closeEditor();
    else this.close();
  }

  open(focus = true): void {
    this.onOpen();
    this.root.hidden = false;
    this.toggleButton.setAttribute('aria-expanded', 'true');
    if (focus) byId('dest-h', HTMLElement).focus();
  }

  close(restoreFocus = true): void {
    if (this.root.hidden) return;
    const hadFocus = this.root.contains(document.activeElement);
    this.editor.close();
    this.root.hidden = true;
    this.toggleButton.setAttribute('aria-expanded', 'false');
    if (restoreFocus && hadFocus) this.toggleButton.focus();
  }

  update(state: AppState): void {
    const list = state.destinations ?? [];
    this.current = list;
    this.editor.setAppWideConcurrency(state.concurrency);
    const seen = new Set<string>();
    list.forEach((d, i) => {
      seen.add(d.id);
      let row = this.rows.get(d.id);
      if (row === undefined) {
        row = this.buildRow(d.id);
        this.rows.set(d.id, row);
      }
      this.fillRow(row, d);
      // Keep the order (primary first) without moving a row that is already in place.
      if (this.list.children[i] !== row.li) this.list.insertBefore(row.li, this.list.children[i] ?? null);
    });
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
    setHidden(this.empty, list.length > 0);
    setText(this.toggleButton, list.length > 1 ? `Destinations (${formatCount(list.length)})` : 'Destinations');
  }

  private find(id: string): DestinationSummary | undefined {
    return this.current.find((d) => d.id === id);
  }

  private say(message: string): void {
    setText(this.msg, message);
  }

  private closeEditor(): void {
    const id = this.editor.editingId;
    this.editor.close();
    const back = id === null ? undefined : this.rows.get(id)?.li.querySelector<HTMLButtonElement>('[data-act="edit"]');
    (back ?? this.addButton).focus();
  }

  private buildRow(id: string): Row {
    const headId = `dest-name-${id}`;
    const name = el('h3', { class: 'dest-name outside', id: headId, tabindex: -1 });
    const primary = el('span', { class: 'tag' }, ['Primary']);
    const runTag = el('span', { class: 'tag run-only' }, ['This run only']);
    const noteId = `dest-note-${id}`;
    const note = el('p', { class: 'hint dest-note', id: noteId });
    const format = el('span', { class: 'tag fmt' });
    const url = el('p', { class: 'dest-url outside' });
    const status = el('p', { class: 'dest-status' });
    const counts = el('p', { class: 'hint dest-counts' });
    const rate = el('p', { class: 'hint' });
    const inFlight = el('p', { class: 'hint dest-inflight' });
    const button = (act: string, text: string, cls = 'btn small'): HTMLButtonElement => {
      const b = el('button', { type: 'button', class: cls, 'data-act': act, 'aria-describedby': headId }, [text]);
      b.addEventListener('click', () => void this.act(act, id));
      return b;
    };
    const toggle = button('toggle', 'Disable');
    const makePrimary = button('primary', 'Make primary');
    const test = button('test', 'Send test event');
    const edit = button('edit', 'Edit');
    const remove = button('delete', 'Delete');
    const save = button('save', 'Save as primary');
    save.setAttribute('aria-describedby', `${headId} ${noteId}`);
    const result = el('div', { class: 'test-result', role: 'status', 'aria-label': 'Destination test result' });
    const li = el('li', { class: 'dest card', 'aria-labelledby': headId }, [
      el('div', { class: 'dest-head' }, [name, primary, runTag, format]),
      url,
      status,
      counts,
      rate,
      inFlight,
      note,
      el('div', { class: 'actions' }, [edit, toggle, save, test, makePrimary, button('log', 'Show in log'), remove]),
      result,
    ]);
    return { li, name, primary, runTag, note, format, url, status, counts, rate, inFlight, toggle, makePrimary, changing: [edit, toggle, remove], save, test, result, testedUrl: null };
  }

  private fillRow(row: Row, d: DestinationSummary): void {
    setText(row.name, safeText(d.name));
    setAttr(row.result, 'aria-label', `Destination test result for ${safeText(d.name)}`);
    setHidden(row.primary, !d.primary);
    setText(row.format, formatShort(d.format));
    setAttr(row.format, 'title', `Format: ${d.format}`);
    setText(row.url, shownUrl(d.url));
    setText(row.status, safeText(d.status.text));
    setAttr(row.status, 'data-kind', d.status.kind);
    setAttr(row.li, 'data-status', d.status.kind);
    setText(row.counts, countsLine(d));
    const rate = rateLimitLine(d);
    setHidden(row.rate, rate === null);
    setText(row.rate, rate ?? '');
    const inFlight = concurrencyLine(d);
    setHidden(row.inFlight, inFlight === null);
    setText(row.inFlight, inFlight ?? '');
    setText(row.toggle, d.enabled ? 'Disable' : 'Enable');
    setHidden(row.makePrimary, d.primary);
    const run = d.runOnly ?? null;
    setHidden(row.runTag, run === null);
    setAttr(row.runTag, 'title', run === null ? '' : run.from === 'demo' ? 'The demo receiver: not saved' : 'Given with --url: not saved');
    for (const b of row.changing) setHidden(b, run !== null);
    setHidden(row.save, run === null || run.from === 'demo');
    setHidden(row.note, run === null);
    setText(row.note, run === null ? '' : runOnlyNote(run));
    if (row.testedUrl !== null && row.testedUrl !== d.url) {
      row.result.replaceChildren();
      delete row.result.dataset.ok;
      row.testedUrl = null;
    }
  }

  private async act(act: string, id: string): Promise<void> {
    const d = this.find(id);
    if (d === undefined) return;
    switch (act) {
      case 'edit':
        this.editor.open(d);
        return;
      case 'log':
        this.showInLog(id);
        return;
      case 'test':
        return this.test(d);
      case 'toggle': {
        const r = await this.bridge.updateDestination({ id, enabled: !d.enabled });
        this.say(r.ok ? `${safeText(d.name)} ${d.enabled ? 'disabled: events are no longer sent there' : 'enabled'}.` : `Not changed: ${r.error.message}`);
        return;
      }
      case 'save': {
        // As Setup's URL field: saved as the primary's URL, its format chosen from the host again.
        const r = await this.bridge.setUrl({ url: d.url });
        this.say(r.ok ? `Saved: ${shownUrl(d.url)} is now the primary's URL, kept at the next start. It can be edited now.` : `Not saved: ${r.error.message}`);
        if (r.ok) this.rows.get(id)?.li.querySelector<HTMLElement>('.dest-name')?.focus();
        return;
      }
      case 'primary': {
        const r = await this.bridge.updateDestination({ id, primary: true });
        this.say(r.ok ? `${safeText(d.name)} is now the primary destination (the URL in Setup).` : `Not changed: ${r.error.message}`);
        return;
      }
      case 'delete':
        return this.remove(d);
    }
  }

  private async remove(d: DestinationSummary): Promise<void> {
    const waiting = d.stats.queued;
    const sure = await confirmAction({
      question: `Delete the destination “${safeText(d.name)}”?`,
      detail: `${shownUrl(d.url)} gets no more events.${waiting > 0 ? ` The ${formatCount(waiting)} waiting to be sent there are recorded as abandoned.` : ''} Its entries stay in the log. This cannot be undone.`,
      ok: 'Delete',
      danger: true,
    });
    if (!sure) {
      this.rows.get(d.id)?.li.querySelector<HTMLButtonElement>('[data-act="delete"]')?.focus();
      return;
    }
    const r = await this.bridge.deleteDestination({ id: d.id });
    if (!r.ok) {
      this.say(`Not deleted: ${r.error.message}`);
      return;
    }
    if (this.editor.editingId === d.id) this.editor.close();
    this.say(`Deleted ${safeText(d.name)}.`);
    byId('dest-h', HTMLElement).focus();
  }

  private async test(d: DestinationSummary): Promise<void> {
    const row = this.rows.get(d.id);
    if (row === undefined || row.test.getAttribute('aria-disabled') === 'true') return;
    row.test.setAttribute('aria-disabled', 'true');
    row.testedUrl = d.url;
    row.result.dataset.ok = '';
    row.result.replaceChildren(el('p', {}, [`Sending a test event to ${shownUrl(d.url)}…`]));
    try {
      this.showTest(row, await this.bridge.testDestination({ id: d.id }), d);
    } catch (err) {
      row.result.dataset.ok = 'false';
      row.result.replaceChildren(el('p', { class: 'test-head' }, [`Test event not sent: ${err instanceof Error ? err.message : String(err)}`]));
    } finally {
      row.test.removeAttribute('aria-disabled');
    }
  }

  private showTest(row: Row, r: TestResult, d: DestinationSummary): void {
    row.result.dataset.ok = String(r.ok);
    const parts: Node[] = [el('p', { class: 'test-head' }, [describeTest(r, shownUrl(d.url), Date.now())])];
    if (r.responseSnippet) {
      parts.push(el('p', { class: 'label' }, ['The receiver answered:']), el('pre', { class: 'code' }, [safeText(r.responseSnippet, { multiline: true })]));
    }
    const hint = r.hint ?? (d.format === 'pilot' ? testHint(r, d.url) : null);
    if (hint) parts.push(el('p', { class: 'hint test-hint' }, [hint]));
    if (r.recordId !== undefined) {
      const id = r.recordId;
      const show = el('button', { type: 'button', class: 'btn link' }, [`Show it in the log (#${id})`]);
      show.addEventListener('click', () => this.openRecord(id));
      parts.push(el('p', {}, [show]));
    }
    row.result.replaceChildren(...parts);
    row.result.scrollIntoView({ block: 'nearest' });
  }
}
