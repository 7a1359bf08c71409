// One log record in full: what was sent (body, headers with secrets masked), every attempt and
// what came back, with "Copy as curl" and "Send again". Escape closes it and returns focus to
// the row it was opened from.

import type { Bridge } from '../shared/bridge';
import { RESENDABLE, type AttemptRecord, type DeliveryRecord } from '../shared/delivery';
import { copyText } from './clipboard';
import { byId, el, setText } from './dom';
import { attemptResult, formatDateTime, formatDuration, formatTime, outcomeLabel, prettyJson } from './format';
import { curlCommand, sentHeaders } from './request-preview';

const SOURCE_LABELS: Record<DeliveryRecord['source'], string> = {
  daemon: 'Pilot daemon',
  demo: 'Demo generator',
  api: 'API',
  resend: 'Sent again',
};

function facts(rows: [string, Node | string][]): HTMLDListElement {
  return el(
    'dl',
    { class: 'facts' },
    rows.map(([name, value]) => el('div', {}, [el('dt', {}, [name]), el('dd', {}, [value])])),
  );
}

function attemptItem(a: AttemptRecord, n: number): HTMLLIElement {
  const ok = a.status !== undefined && a.status >= 200 && a.status < 300;
  const parts: Node[] = [
    el('p', { class: 'attempt-head' }, [
      el('span', { class: 'attempt-n' }, [`Attempt ${n}`]),
      el('span', { class: `attempt-result ${ok ? 'ok' : 'bad'}` }, [attemptResult(a)]),
      el('span', { class: 'attempt-meta' }, [`${formatTime(a.startedAt)} · ${formatDuration(a.durationMs)}`]),
    ]),
  ];
  if (a.location !== undefined) parts.push(el('p', { class: 'hint' }, [`Location: ${a.location} (not followed)`]));
  if (a.responseSnippet) {
    parts.push(el('p', { class: 'label' }, ['Response']), el('pre', { class: 'code' }, [a.responseSnippet]));
  }
  return el('li', { class: 'attempt' }, parts);
}

export class DetailsPanel {
  private readonly root = byId('details', HTMLElement);
  private record: DeliveryRecord | null = null;
  private secretSet = false;
  private status: HTMLElement | null = null;
  /** where focus goes back to on close */
  private returnFocus: (() => void) | null = null;

  constructor(
    private readonly bridge: Bridge,
    private readonly onClose: () => void,
  ) {
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.close();
      }
    });
  }

  get openId(): number | null {
    return this.record?.id ?? null;
  }

  setSecretSet(set: boolean): void {
    this.secretSet = set;
  }

  open(record: DeliveryRecord, returnFocus: () => void): void {
    this.returnFocus = returnFocus;
    this.render(record);
    this.root.hidden = false;
    this.root.querySelector<HTMLElement>('#details-h')?.focus();
  }

  /** Shows the newer version of the open record (e.g. its outcome changed), keeping focus. */
  refresh(record: DeliveryRecord): void {
    if (this.record?.id !== record.id || this.record === record) return;
    const focusedId = document.activeElement instanceof HTMLElement && this.root.contains(document.activeElement)
      ? document.activeElement.id
      : null;
    const said = this.status?.textContent ?? '';
    this.render(record);
    if (this.status) setText(this.status, said);
    if (focusedId) document.getElementById(focusedId)?.focus();
  }

  close(): void {
    if (this.root.hidden) return;
    this.root.hidden = true;
    this.root.replaceChildren();
    this.record = null;
    this.onClose();
    this.returnFocus?.();
    this.returnFocus = null;
  }

  private render(r: DeliveryRecord): void {
    this.record = r;
    const heading = el('h3', { id: 'details-h', tabindex: -1 }, [`#${r.id} ${r.event}`]);
    const close = el('button', { type: 'button', class: 'btn small', id: 'details-close', 'aria-label': 'Close details' }, ['Close']);
    close.addEventListener('click', () => this.close());

    const actions = el('div', { class: 'actions' });
    const curl = curlCommand(r);
    if (curl !== null) {
      const copy = el('button', { type: 'button', class: 'btn', id: 'details-curl' }, ['Copy as curl']);
      copy.addEventListener('click', () => void this.copyCurl(curl));
      actions.append(copy);
    }
    if (RESENDABLE.has(r.outcome)) {
      const again = el('button', { type: 'button', class: 'btn primary', id: 'details-resend' }, ['Send again']);
      again.addEventListener('click', () => void this.resend(r.id));
      actions.append(again);
    }
    this.status = el('p', { class: 'status-line', role: 'status', 'aria-label': 'Details status' });

    const summary = facts([
      ['Outcome', el('span', { class: 'chip', 'data-outcome': r.outcome }, [outcomeLabel(r.outcome)])],
      ['Received', formatDateTime(r.receivedAt)],
      ['Source', r.resendOf === undefined ? SOURCE_LABELS[r.source] : `${SOURCE_LABELS[r.source]} (of #${r.resendOf})`],
      ['URL', r.url ?? 'none'],
      ...(r.daemonEventId === undefined ? [] : [['Daemon event ID', String(r.daemonEventId)] as [string, string]]),
      ...(r.detail ? [['Detail', r.detail] as [string, string]] : []),
    ]);

    const attempts = r.attempts.length
      ? el('ol', { class: 'attempts' }, r.attempts.map((a, i) => attemptItem(a, i + 1)))
      : el('p', { class: 'hint' }, [r.outcome === 'queued' ? 'Waiting to be sent.' : 'Never sent.']);

    const headerText = sentHeaders(this.secretSet).map(([name, value]) => `${name}: ${value}`).join('\n');

    this.root.replaceChildren(
      el('div', { class: 'details-head' }, [heading, close]),
      summary,
      actions,
      this.status,
      el('h4', {}, ['Attempts']),
      attempts,
      el('h4', {}, ['Request headers']),
      el('pre', { class: 'code' }, [headerText]),
      el('p', { class: 'hint' }, [
        this.secretSet
          ? 'Signatures are masked: the secret never reaches this window.'
          : 'No signing secret is set, so requests carry no signature headers.',
      ]),
      el('h4', {}, ['Request body']),
      el('pre', { class: 'code', tabindex: 0, 'aria-label': 'Request body' }, [prettyJson(r.payload)]),
    );
  }

  private async copyCurl(command: string): Promise<void> {
    const ok = await copyText(command, this.bridge);
    if (this.status) {
      setText(this.status, ok ? 'curl command copied (unsigned).' : 'The clipboard is not available here.');
    }
  }

  private async resend(id: number): Promise<void> {
    const r = await this.bridge.resend({ ids: [id] });
    if (!this.status) return;
    if (r.ok) setText(this.status, r.value.queued > 0 ? 'Queued again: it appears at the top of the log.' : 'Nothing was queued.');
    else setText(this.status, `Not sent again: ${r.error.message}`);
  }
}
