// One log record in full, as a side panel beside the log: what was sent (the real webhook-id,
// each attempt's timestamp, headers with secrets masked, the body), every attempt and what came
// back, the links between a record and its resend. "Send again" and "Copy as curl" stay in the
// panel's sticky head, so they are visible however far the body is scrolled. Escape closes it
// (from anywhere, see main.ts) and returns focus to the row it was opened from.

import type { Bridge } from '../shared/bridge';
import type { DestinationSummary } from '../shared/destination-summary';
import { FORMAT_LABELS } from '../shared/formats/format-names';
import { RESENDABLE, type AttemptRecord, type DeliveryRecord } from '../shared/delivery';
import { safeText } from '../shared/safe-text';
import { maskUrlCredentials } from '../shared/url-mask';
import { copyText } from './clipboard';
import { byId, el, setText } from './dom';
import { attemptResult, formatDateTime, formatDuration, formatUtc, outcomeLabel, prettyJson } from './format';
import { nextAttemptAt, recordRef } from './log-panel';
import { curlCommand, sentHeaders } from './request-preview';

const SOURCE_LABELS: Record<DeliveryRecord['source'], string> = {
  daemon: 'Pilot daemon',
  demo: 'Demo generator',
  api: 'API',
  resend: 'Sent again',
  test: 'Test event (not counted)',
};

function facts(rows: [string, Node | string][]): HTMLDListElement {
  return el(
    'dl',
    { class: 'facts' },
    rows.map(([name, value]) => el('div', {}, [el('dt', {}, [name]), el('dd', {}, [value])])),
  );
}

/** "2026-12-01 14:05:03.120" with the UTC moment beside it: local is the window's convention. */
function when(epochMs: number): HTMLElement {
  return el('span', { title: formatUtc(epochMs) }, [formatDateTime(epochMs), el('span', { class: 'hint' }, [` (${formatUtc(epochMs)})`])]);
}

function attemptItem(a: AttemptRecord, n: number, record: DeliveryRecord, secretSet: boolean): HTMLLIElement {
  const ok = a.status !== undefined && a.status >= 200 && a.status < 300;
  const parts: Node[] = [
    el('p', { class: 'attempt-head' }, [
      el('span', { class: 'attempt-n' }, [`Attempt ${n}`]),
      el('span', { class: `attempt-result ${ok ? 'ok' : 'bad'}` }, [attemptResult(a)]),
      el('span', { class: 'attempt-meta', title: formatUtc(a.startedAt) }, [`${formatDateTime(a.startedAt)} · ${formatDuration(a.durationMs)}`]),
    ]),
  ];
  // A blocked attempt was never sent, so it carried no header at all.
  if (a.error !== 'blocked') {
    const stamp = sentHeaders(secretSet, record, a).find(([name]) => name === 'webhook-timestamp')?.[1];
    if (stamp !== undefined) parts.push(el('p', { class: 'hint' }, [`webhook-timestamp: ${stamp}`]));
  }
  if (a.location !== undefined) parts.push(el('p', { class: 'hint outside' }, [`Location: ${safeText(a.location)} (not followed)`]));
  const answered = a.responseHeaders === undefined ? [] : Object.entries(a.responseHeaders);
  if (answered.length > 0) {
    parts.push(
      el('details', { class: 'response-headers' }, [
        el('summary', {}, [`Response headers (${answered.length})`]),
        el('pre', { class: 'code', tabindex: 0, 'aria-label': `Response headers of attempt ${n}` }, [
          answered.map(([name, value]) => `${safeText(name)}: ${safeText(value)}`).join('\n'),
        ]),
      ]),
    );
  }
  if (a.responseSnippet) {
    parts.push(
      el('p', { class: 'label' }, ['Response body (first bytes)']),
      el('pre', { class: 'code', tabindex: 0, 'aria-label': `Response to attempt ${n}` }, [safeText(a.responseSnippet, { multiline: true })]),
    );
  }
  return el('li', { class: 'attempt' }, parts);
}

export class DetailsPanel {
  private readonly root = byId('details', HTMLElement);
  private record: DeliveryRecord | null = null;
  /** the body a chat or custom destination's format sent, once rendered again (for curl) */
  private shaped: { body: string; contentType: string } | null = null;
  /** the destination's name for a record, when there are several (set by main) */
  destinationName: (r: DeliveryRecord) => string | null = () => null;
  /** the destination a record went to (its format and masked headers), when the window knows it */
  destinationOf: (r: DeliveryRecord) => DestinationSummary | undefined = () => undefined;
  private secretSet = false;
  private status: HTMLElement | null = null;
  /** where focus goes back to on close */
  private returnFocus: (() => void) | null = null;

  constructor(
    private readonly bridge: Bridge,
    private readonly onClose: () => void,
    /** opens another record (a resend's original, an original's resend) */
    private readonly openRecord: (id: number) => void,
    /** called when the panel opens, e.g. to close the Setup panel sharing its place */
    private readonly onOpen: () => void,
  ) {}

  get openId(): number | null {
    return this.record?.id ?? null;
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  setSecretSet(set: boolean): void {
    this.secretSet = set;
  }

  open(record: DeliveryRecord, returnFocus: () => void): void {
    this.onOpen();
    this.returnFocus = returnFocus;
    this.render(record);
    this.root.hidden = false;
    this.root.querySelector<HTMLElement>('#details-h')?.focus({ preventScroll: true });
  }

  /** Shows the newer version of the open record (e.g. its outcome changed), keeping focus. */
  refresh(record: DeliveryRecord): void {
    if (this.record?.id !== record.id || this.record === record) return;
    const focusedId = document.activeElement instanceof HTMLElement && this.root.contains(document.activeElement)
      ? document.activeElement.id
      : null;
    const scroll = this.root.scrollTop;
    const said = this.status?.textContent ?? '';
    this.render(record);
    this.root.scrollTop = scroll;
    if (this.status) setText(this.status, said);
    if (focusedId) document.getElementById(focusedId)?.focus({ preventScroll: true });
  }

  /** Closes the panel; `restoreFocus` false when something else takes the focus (Setup opening). */
  close(restoreFocus = true): void {
    if (this.root.hidden) return;
    this.root.hidden = true;
    this.root.replaceChildren();
    this.record = null;
    this.onClose();
    if (restoreFocus) this.returnFocus?.();
    this.returnFocus = null;
  }

  private link(id: number, text: string): HTMLButtonElement {
    const b = el('button', { type: 'button', class: 'btn link' }, [text]);
    b.addEventListener('click', () => this.openRecord(id));
    return b;
  }

  private render(r: DeliveryRecord): void {
    this.record = r;
    const heading = el('h2', { id: 'details-h', tabindex: -1, class: 'outside' }, [`${recordRef(r.id)} ${safeText(r.event)}`]);
    const close = el('button', { type: 'button', class: 'btn small', id: 'details-close', 'aria-label': 'Close details', 'aria-keyshortcuts': 'Escape' }, ['Close']);
    close.addEventListener('click', () => this.close());

    const actions = el('div', { class: 'actions' });
    const again = el('button', { type: 'button', class: 'btn primary small', id: 'details-resend' }, ['Send again']);
    const why = this.whyNotResendable(r);
    if (why !== null) {
      // Visible but inert, saying why: a button that vanishes leaves the user guessing.
      again.setAttribute('aria-disabled', 'true');
      again.title = why;
    }
    again.addEventListener('click', () => void this.resend(r, why));
    const curl = curlCommand(r);
    this.shaped = null;
    const copy = el('button', { type: 'button', class: 'btn small', id: 'details-curl' }, ['Copy as curl']);
    if (curl === null) {
      copy.setAttribute('aria-disabled', 'true');
      copy.title = 'No URL: there is nothing to send it to.';
    }
    // Read at the click: a shaped destination's body arrives after the panel opened.
    copy.addEventListener('click', () => void this.copyCurl(this.shaped === null ? curl : curlCommand(r, this.shaped)));
    actions.append(again, copy);
    this.status = el('p', { class: 'status-line', role: 'status', 'aria-label': 'Details status' });

    const source: (Node | string)[] = [SOURCE_LABELS[r.source]];
    if (r.resendOf !== undefined) source.push(' — resend of ', this.link(r.resendOf, recordRef(r.resendOf)));
    const rows: [string, Node | string][] = [
      ['Outcome', el('span', { class: 'chip', 'data-outcome': r.outcome }, [outcomeLabel(r.outcome)])],
      ['Received', when(r.receivedAt)],
      ['Source', el('span', {}, source)],
    ];
    if (r.resentAs !== undefined) rows.push(['Sent again', el('span', {}, ['as ', this.link(r.resentAs, recordRef(r.resentAs))])]);
    const dest = this.destinationName(r);
    if (dest !== null) rows.push(['Destination', el('span', { class: 'outside' }, [safeText(dest)])]);
    rows.push(['URL', el('span', { class: 'outside' }, [r.url === null ? 'none' : safeText(maskUrlCredentials(r.url))])]);
    if (r.webhookId !== undefined) rows.push(['webhook-id', r.webhookId]);
    if (r.daemonEventId !== undefined) rows.push(['Daemon event ID', String(r.daemonEventId)]);
    const next = nextAttemptAt(r);
    if (r.outcome === 'queued' && next !== undefined) rows.push(['Next attempt', when(next)]);
    if (r.detail) rows.push(['Detail', el('span', { class: 'outside' }, [safeText(r.detail)])]);

    const lastAttempt = r.attempts[r.attempts.length - 1];
    const attempts = r.attempts.length
      ? el('ol', { class: 'attempts' }, r.attempts.map((a, i) => attemptItem(a, i + 1, r, this.secretSet)))
      : el('p', { class: 'hint' }, [r.outcome === 'queued' ? 'Waiting to be sent.' : 'Never sent.']);
    const shaped = this.destinationOf(r);
    const extra = shaped === undefined ? [] : Object.entries(shaped.headers).map(([name, hint]) => `${safeText(name)}: ${safeText(hint)}`);
    const headerText = [...sentHeaders(this.secretSet, r, lastAttempt).map(([name, value]) => `${name}: ${value}`), ...extra].join('\n');
    const body: Node[] = [el('h3', {}, ['Request body']), el('pre', { class: 'code', tabindex: 0, 'aria-label': 'Request body' }, [prettyJson(r.payload)])];
    if (shaped !== undefined && shaped.format !== 'pilot') {
      // The record keeps the event as the daemon sent it; this destination's format shaped it
      // before sending, so the body it got is rendered again from the event, by the same code.
      const sent = el('pre', { class: 'code', tabindex: 0, 'aria-label': 'Request body' }, ['…']);
      body.splice(0, 2,
        el('h3', {}, [`Request body (${FORMAT_LABELS[shaped.format]})`]),
        el('p', { class: 'hint' }, ['Rendered again from the stored event by the destination’s format, as it is now.']),
        sent,
        el('h3', {}, ['Event (as stored)']),
        el('pre', { class: 'code', tabindex: 0, 'aria-label': 'Stored event' }, [prettyJson(r.payload)]),
      );
      void this.fillShaped(sent, r, shaped);
    }

    this.root.replaceChildren(
      el('div', { class: 'panel-head' }, [el('div', {}, [heading, actions]), close]),
      el('div', { class: 'panel-body' }, [
        this.status,
        facts(rows),
        el('h3', {}, [el('span', { class: 'sr-only' }, ['Delivery ']), 'Attempts']),
        attempts,
        el('h3', {}, [lastAttempt === undefined ? 'Request headers' : 'Request headers (last attempt)']),
        el('pre', { class: 'code', 'aria-label': 'Request headers' }, [headerText]),
        el('p', { class: 'hint' }, [
          this.secretSet
            ? 'Signatures are masked: the secret never reaches this window.'
            : 'No signing secret is set, so requests carry no signature headers.',
        ]),
        ...body,
      ]),
    );
  }

  private async fillShaped(into: HTMLElement, r: DeliveryRecord, d: DestinationSummary): Promise<void> {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(r.payload) as Record<string, unknown>;
    } catch {
      setText(into, 'The stored event is not JSON: nothing to render.');
      return;
    }
    const res = await this.bridge.previewDestination(d.format === 'custom' && d.template ? { format: d.format, template: d.template, event } : { format: d.format, event });
    if (!into.isConnected) return;
    if (!res.ok) {
      setText(into, `Could not render it: ${res.error.message}`);
      return;
    }
    setText(into, safeText(res.value.contentType.includes('json') ? prettyJson(res.value.body) : res.value.body, { multiline: true }));
    if (this.record?.id === r.id) this.shaped = { body: res.value.body, contentType: res.value.contentType };
  }

  private whyNotResendable(r: DeliveryRecord): string | null {
    if (r.source === 'test') return 'A test event: use "Send test event" in Setup to send another.';
    if (r.resentAs !== undefined) return `Already sent again as ${recordRef(r.resentAs)}.`;
    if (r.outcome === 'queued') return 'Still waiting: it will be sent by itself.';
    if (!RESENDABLE.has(r.outcome)) return r.outcome === 'delivered' ? 'Delivered: the receiver has it.' : 'This entry cannot be sent again.';
    return null;
  }

  private async copyCurl(command: string | null): Promise<void> {
    if (!this.status) return;
    if (command === null) {
      setText(this.status, 'No URL: there is nothing to send it to.');
      return;
    }
    const ok = await copyText(command, this.bridge);
    const r = this.record;
    const extra = r !== null && Object.keys(this.destinationOf(r)?.headers ?? {}).length > 0;
    setText(this.status, ok ? `curl command copied (unsigned${extra ? ', without the extra headers: their values stay in the app' : ''}).` : 'The clipboard is not available here.');
  }

  private async resend(r: DeliveryRecord, why: string | null): Promise<void> {
    if (!this.status) return;
    if (why !== null) {
      setText(this.status, why);
      return;
    }
    const res = await this.bridge.resend({ ids: [r.id] });
    if (!this.status) return;
    if (res.ok) setText(this.status, res.value.queued > 0 ? 'Queued again: it appears at the top of the log.' : 'Nothing was queued.');
    else setText(this.status, `Not sent again: ${res.error.message}`);
  }
}
