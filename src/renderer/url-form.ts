// The webhook URL form: validation as you type (the shared URL rules, so the window refuses
// exactly what the app refuses), Save, Clear and "Send test event" for the URL in the field.

import type { AppState, Bridge, TestResult } from '../shared/bridge';
import { checkWebhookUrl } from '../shared/url-rules';
import { safeText } from '../shared/safe-text';
import { byId, el, setText } from './dom';
import { formatDuration, formatTime } from './format';
import { testHint } from './test-hints';
import type { UndoToast } from './undo-toast';

function portOf(url: string | null): number | null {
  if (url === null) return null;
  try {
    const u = new URL(url);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

/** The result's first line: what was tested, where, and what came back. */
export function describeTest(r: TestResult, url: string, at: number): string {
  const when = `at ${formatTime(at)}`;
  const took = formatDuration(r.durationMs);
  const where = safeText(url);
  if (r.ok) return `Test event delivered to ${where}: HTTP ${r.status ?? '2xx'} in ${took} (${when}).`;
  const answer = r.status === undefined ? 'no response' : `HTTP ${r.status}`;
  // The error of an HTTP refusal is its status again ("HTTP 500"): said once, not twice.
  const why = r.error && r.error !== answer ? ` — ${safeText(r.error)}` : '';
  return `Test event failed at ${where}: ${answer}${why} after ${took} (${when}).`;
}

export class UrlForm {
  private readonly form = byId('url-form', HTMLFormElement);
  private readonly input = byId('url', HTMLInputElement);
  private readonly message = byId('url-msg', HTMLElement);
  private readonly saved = byId('url-saved', HTMLElement);
  private readonly status = byId('url-status', HTMLElement);
  private readonly testResult = byId('test-result', HTMLElement);
  private readonly testButton = byId('url-test', HTMLButtonElement);
  private savedUrl: string | null = null;
  private ownPorts: number[] = [];
  private first = true;

  constructor(
    private readonly bridge: Bridge,
    private readonly toast: UndoToast,
    /** opens a log record (the test event's entry) */
    private readonly openRecord: (id: number) => void,
  ) {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    byId('url-clear', HTMLButtonElement).addEventListener('click', () => void this.clear());
    this.testButton.addEventListener('click', () => void this.test());
    this.input.addEventListener('input', () => {
      // A test result is about the URL it tested: once the URL changes it says nothing.
      this.clearTestResult();
      // Once a problem is shown, it follows the typing (and goes as soon as it is fixed);
      // before that, half-typed URLs are not scolded.
      if (this.input.getAttribute('aria-invalid') === 'true') this.validate();
      this.renderSaved();
    });
    this.input.addEventListener('change', () => {
      if (this.input.value.trim() !== '') this.validate();
    });
  }

  update(state: AppState): void {
    const pagePort = portOf(location.origin.startsWith('http') ? location.origin : null);
    this.ownPorts = [portOf(state.ingest.url), pagePort].filter((p): p is number => p !== null);
    const previous = this.savedUrl;
    this.savedUrl = state.url;
    // Follow the saved URL unless the user is in the middle of typing another one.
    const editing = this.input.value.trim() !== (previous ?? '');
    if (this.first || (!editing && state.url !== previous)) {
      if (!this.first) this.clearTestResult();
      this.input.value = state.url ?? '';
    }
    this.first = false;
    this.renderSaved();
  }

  private renderSaved(): void {
    const typed = this.input.value.trim();
    let text: string;
    if (this.savedUrl === null) text = 'No URL saved: events are logged but not sent.';
    else if (typed === this.savedUrl) text = 'Saved. Events are delivered to this URL.';
    else text = `Not saved yet. Events still go to ${safeText(this.savedUrl)}`;
    setText(this.saved, text);
  }

  /** Shows the rules' verdict on the field; returns the URL when it passes. */
  private validate(): string | null {
    const check = checkWebhookUrl(this.input.value, { ownPorts: this.ownPorts });
    if (check.ok) {
      this.showProblem(null);
      return this.input.value.trim();
    }
    this.showProblem(check.message);
    return null;
  }

  private showProblem(message: string | null): void {
    setText(this.message, message ?? '');
    if (message === null) this.input.removeAttribute('aria-invalid');
    else this.input.setAttribute('aria-invalid', 'true');
  }

  private async save(): Promise<void> {
    setText(this.status, '');
    if (this.input.value.trim() === '') {
      this.showProblem('Enter a webhook URL to save, or use Clear to remove the saved one.');
      this.input.focus();
      return;
    }
    const url = this.validate();
    if (url === null) {
      this.input.focus();
      return;
    }
    const r = await this.bridge.setUrl({ url });
    if (!r.ok) {
      this.showProblem(r.error.message);
      this.input.focus();
      return;
    }
    this.savedUrl = r.value.url;
    this.input.value = r.value.url;
    this.renderSaved();
    setText(this.status, `Saved. Events now go to ${safeText(r.value.url)}`);
  }

  private clearTestResult(): void {
    this.testResult.replaceChildren();
    delete this.testResult.dataset.ok;
  }

  private async clear(): Promise<void> {
    setText(this.status, '');
    const previous = this.savedUrl;
    const r = await this.bridge.clearUrl();
    if (!r.ok) {
      setText(this.status, `Could not clear the URL: ${r.error.message}`);
      return;
    }
    this.savedUrl = null;
    this.input.value = '';
    this.showProblem(null);
    this.renderSaved();
    setText(this.status, 'URL cleared. Events are logged but not sent.');
    this.clearTestResult();
    // A long secret URL (Slack's, say) is not lost to one slip of the mouse.
    if (previous !== null) {
      this.toast.show('Webhook URL cleared.', async () => {
        const back = await this.bridge.setUrl({ url: previous });
        if (!back.ok) {
          setText(this.status, `Could not restore the URL: ${back.error.message}`);
          return;
        }
        this.savedUrl = back.value.url;
        this.input.value = back.value.url;
        this.renderSaved();
        setText(this.status, `Restored. Events go to ${safeText(back.value.url)} again.`);
      });
    }
  }

  private async test(): Promise<void> {
    const typed = this.input.value.trim();
    let arg: { url?: string } = {};
    if (typed !== '') {
      const url = this.validate();
      if (url === null) {
        this.input.focus();
        return;
      }
      arg = { url };
    } else if (this.savedUrl === null) {
      this.showProblem('Enter a webhook URL to send a test event to.');
      this.input.focus();
      return;
    }
    // aria-disabled, not disabled: a disabled button drops keyboard focus to <body>.
    if (this.testButton.getAttribute('aria-disabled') === 'true') return;
    this.testButton.setAttribute('aria-disabled', 'true');
    const url = arg.url ?? this.savedUrl ?? '';
    this.testResult.dataset.ok = '';
    this.testResult.replaceChildren(el('p', {}, [`Sending a test event to ${safeText(url)}…`]));
    try {
      const r = await this.bridge.sendTest(arg);
      this.showTest(r, url);
    } catch (err) {
      this.testResult.dataset.ok = 'false';
      this.testResult.replaceChildren(el('p', { class: 'test-head' }, [`Test event not sent: ${err instanceof Error ? err.message : String(err)}`]));
    } finally {
      this.testButton.removeAttribute('aria-disabled');
    }
  }

  /** The result: what was tested and what came back, the receiver's words and what they mean. */
  private showTest(r: TestResult, url: string): void {
    this.testResult.dataset.ok = String(r.ok);
    const parts: Node[] = [el('p', { class: 'test-head' }, [describeTest(r, url, Date.now())])];
    if (r.responseSnippet) {
      parts.push(
        el('p', { class: 'label' }, ['The receiver answered:']),
        el('pre', { class: 'code' }, [safeText(r.responseSnippet, { multiline: true })]),
      );
    }
    const hint = testHint(r, url);
    if (hint !== null) parts.push(el('p', { class: 'hint test-hint' }, [hint]));
    if (r.recordId !== undefined) {
      const id = r.recordId;
      const show = el('button', { type: 'button', class: 'btn link' }, [`Show it in the log (#${id})`]);
      show.addEventListener('click', () => this.openRecord(id));
      parts.push(el('p', {}, [show]));
    }
    this.testResult.replaceChildren(...parts);
  }
}
