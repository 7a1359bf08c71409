// The add/edit form of the Destinations panel: URL, name, format (with "chosen from the URL" and
// why), a JSONata template for the custom format, topics, extra headers (write-only values),
// rate limit, events in flight at once and enabled, with a live preview of the body the chosen format would send. Every
// refusal is shown next to the field the app names (`error.field`), as an alert.

import type { ApiError, Bridge } from '../shared/bridge';
import type { DestinationSummary } from '../shared/destination-summary';
import { DEFAULT_RATE_LIMITS } from '../shared/destination';
import { FORMAT_LABELS, FORMATS, type FormatName } from '../shared/formats/format-names';
import { safeText } from '../shared/safe-text';
import {
  createArg,
  effectiveFormat,
  emptyPatch,
  formatWhy,
  concurrencyHint,
  patchArg,
  rateLimitHint,
  valuesOf,
  type FormatChoice,
  type FormProblem,
  type FormValues,
  type HeaderRow,
} from './destination-form';
import { DestinationSecret } from './destination-secret';
import { byId, el, setHidden, setText } from './dom';
import { prettyJson } from './format';

/** Typing pauses this long before the preview is asked for: one call per pause, not per key. */
const PREVIEW_DEBOUNCE_MS = 200;

/** The fields errors can name, with the input each one focuses. */
const FIELD_INPUTS: Readonly<Record<string, string>> = {
  url: 'dest-url',
  name: 'dest-name',
  format: 'dest-format',
  template: 'dest-template',
  topics: 'dest-topics',
  headers: 'dest-header-add',
  rateLimit: 'dest-rate',
  concurrency: 'dest-concurrency',
};

export class DestinationEditor {
  readonly root = byId('dest-editor', HTMLElement);
  private readonly form = byId('dest-form', HTMLFormElement);
  private readonly heading = byId('dest-form-h', HTMLElement);
  private readonly formMsg = byId('dest-form-msg', HTMLElement);
  private readonly url = byId('dest-url', HTMLInputElement);
  private readonly name = byId('dest-name', HTMLInputElement);
  private readonly format = byId('dest-format', HTMLSelectElement);
  private readonly formatWhy = byId('dest-format-why', HTMLElement);
  private readonly templateBox = byId('dest-template-box', HTMLElement);
  private readonly template = byId('dest-template', HTMLTextAreaElement);
  private readonly topics = byId('dest-topics', HTMLInputElement);
  private readonly kept = byId('dest-headers-kept', HTMLElement);
  private readonly rows = byId('dest-header-rows', HTMLElement);
  private readonly replace = byId('dest-header-replace', HTMLButtonElement);
  private readonly rate = byId('dest-rate', HTMLInputElement);
  private readonly rateHint = byId('dest-rate-hint', HTMLElement);
  private readonly concurrency = byId('dest-concurrency', HTMLInputElement);
  private readonly concurrencyHint = byId('dest-concurrency-hint', HTMLElement);
  /** what an empty "In flight at once" means: the app-wide setting, once the state has said it */
  private appWideConcurrency: number | undefined;
  private readonly enabled = byId('dest-enabled', HTMLInputElement);
  private readonly preview = byId('dest-preview', HTMLElement);
  private readonly previewType = byId('dest-preview-type', HTMLElement);
  private readonly save = byId('dest-save', HTMLButtonElement);
  /** the destination being edited, or null when adding one */
  private editing: DestinationSummary | null = null;
  /** false while editing: the saved headers stay unless the user replaces them */
  private headersTyped = true;
  private previewTimer: ReturnType<typeof setTimeout> | null = null;
  /** answers of older preview calls are dropped when a newer one was asked */
  private previewSeq = 0;
  private rowCount = 0;
  private readonly secret: DestinationSecret;

  constructor(
    private readonly bridge: Bridge,
    /** after a save: what to say, and which destination */
    private readonly onSaved: (message: string, id: string) => void,
    private readonly onCancel: () => void,
  ) {
    this.secret = new DestinationSecret(bridge);
    this.format.append(el('option', { value: '' }, ['Chosen from the URL']));
    for (const f of FORMATS) this.format.append(el('option', { value: f }, [FORMAT_LABELS[f]]));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
    byId('dest-cancel', HTMLButtonElement).addEventListener('click', () => this.onCancel());
    byId('dest-header-add', HTMLButtonElement).addEventListener('click', () => this.addRow(true));
    this.replace.addEventListener('click', () => this.replaceHeaders());
    for (const input of [this.url, this.format, this.template]) input.addEventListener('input', () => this.changed());
    this.form.addEventListener('input', (e) => {
      // A problem shown for a field goes as soon as the user changes that field.
      const target = e.target as HTMLElement;
      const msg = this.form.querySelector<HTMLElement>(`[data-field="${fieldOf(target)}"]`);
      if (msg) this.showProblem({ field: fieldOf(target), message: '' });
    });
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  /** The app-wide concurrency (from the state): the placeholder and hint of an empty field. */
  setAppWideConcurrency(n: number | undefined): void {
    if (n === this.appWideConcurrency && this.concurrencyHint.textContent !== '') return;
    this.appWideConcurrency = n;
    setText(this.concurrencyHint, concurrencyHint(n));
    this.concurrency.placeholder = n === undefined ? 'app-wide setting' : `app-wide: ${n}`;
  }

  get editingId(): string | null {
    return this.editing?.id ?? null;
  }

  /** Opens the form for a new destination, or to edit `d`. */
  open(d: DestinationSummary | null): void {
    this.editing = d;
    this.clearProblems();
    this.rows.replaceChildren();
    this.rowCount = 0;
    const v: FormValues = d === null
      ? { url: '', name: '', format: '', template: '', topics: '', headers: [], rateLimit: '', concurrency: '', enabled: true }
      : valuesOf(d);
    this.url.value = v.url;
    this.name.value = v.name;
    this.format.value = v.format;
    this.template.value = v.template;
    this.topics.value = v.topics;
    this.rate.value = d !== null && d.rateLimit === null ? '0' : v.rateLimit;
    this.concurrency.value = v.concurrency;
    this.setAppWideConcurrency(this.appWideConcurrency);
    this.enabled.checked = v.enabled;
    const kept = d === null ? [] : Object.entries(d.headers);
    this.headersTyped = kept.length === 0;
    this.kept.replaceChildren(...kept.map(([name, hint]) => el('li', { class: 'outside' }, [`${safeText(name)}: ${safeText(hint)}`])));
    setHidden(this.kept, kept.length === 0);
    setHidden(this.replace, kept.length === 0);
    setText(this.heading, d === null ? 'Add a destination' : `Edit ${safeText(d.name)}`);
    setText(this.save, d === null ? 'Add destination' : 'Save changes');
    this.secret.show(d);
    this.root.hidden = false;
    this.changed();
    this.url.focus();
  }

  close(): void {
    this.root.hidden = true;
    this.editing = null;
    if (this.previewTimer !== null) clearTimeout(this.previewTimer);
    this.previewTimer = null;
  }

  private values(): FormValues {
    const headers: HeaderRow[] = [...this.rows.querySelectorAll<HTMLElement>('.header-row')].map((row) => ({
      name: row.querySelector<HTMLInputElement>('[data-part="name"]')!.value,
      value: row.querySelector<HTMLInputElement>('[data-part="value"]')!.value,
    }));
    return {
      url: this.url.value,
      name: this.name.value,
      format: this.format.value as FormatChoice,
      template: this.template.value,
      topics: this.topics.value,
      headers: this.headersTyped ? headers : null,
      rateLimit: this.rate.value,
      concurrency: this.concurrency.value,
      enabled: this.enabled.checked,
    };
  }

  /** The URL, format or template changed: the format's explanation, hints and the preview follow. */
  private changed(): void {
    const v = this.values();
    const format = effectiveFormat(v);
    setText(this.formatWhy, formatWhy(v));
    setHidden(this.templateBox, format !== 'custom');
    setText(this.rateHint, rateLimitHint(format));
    const n = DEFAULT_RATE_LIMITS[format];
    this.rate.placeholder = n === undefined ? 'none' : `default: ${n}`;
    if (this.previewTimer !== null) clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => void this.renderPreview(format, v.template), PREVIEW_DEBOUNCE_MS);
  }

  private async renderPreview(format: FormatName, template: string): Promise<void> {
    this.previewTimer = null;
    const seq = ++this.previewSeq;
    if (format === 'custom' && template.trim() === '') {
      setText(this.previewType, 'The custom format needs a template first.');
      setText(this.preview, '');
      return;
    }
    const r = await this.bridge.previewDestination(format === 'custom' ? { format, template } : { format });
    if (seq !== this.previewSeq || this.root.hidden) return;
    if (!r.ok) {
      setText(this.previewType, 'No preview: the template has a problem.');
      setText(this.preview, '');
      this.showProblem({ field: r.error.field ?? 'template', message: r.error.message });
      return;
    }
    const extra = Object.entries(r.value.headers);
    setText(this.previewType, `The sample event as this format sends it: ${r.value.contentType}${extra.length ? ` · ${extra.map(([n, val]) => `${n}: ${val}`).join(' · ')}` : ''}`);
    setText(this.preview, safeText(r.value.contentType.includes('json') ? prettyJson(r.value.body) : r.value.body, { multiline: true }));
  }

  private addRow(focus: boolean): void {
    const n = ++this.rowCount;
    const name = el('input', { type: 'text', id: `dest-h-name-${n}`, 'data-part': 'name', autocomplete: 'off', spellcheck: 'false', placeholder: 'Authorization' });
    const value = el('input', { type: 'password', id: `dest-h-value-${n}`, 'data-part': 'value', autocomplete: 'off', spellcheck: 'false', placeholder: 'Bearer …' });
    const remove = el('button', { type: 'button', class: 'btn small', 'aria-label': `Remove header ${n}` }, ['Remove']);
    const row = el('div', { class: 'header-row', role: 'group', 'aria-label': `Header ${n}` }, [
      el('label', { for: name.id, class: 'sr-only' }, [`Header ${n} name`]),
      name,
      el('label', { for: value.id, class: 'sr-only' }, [`Header ${n} value`]),
      value,
      remove,
    ]);
    remove.addEventListener('click', () => {
      row.remove();
      byId('dest-header-add', HTMLButtonElement).focus();
    });
    this.rows.append(row);
    if (focus) name.focus();
  }

  /** Editing: the saved values cannot be shown, so replacing means typing the whole set anew. */
  private replaceHeaders(): void {
    this.headersTyped = true;
    this.kept.replaceChildren(el('li', { class: 'hint' }, ['The saved headers are replaced by the rows below when you save (none: removed).']));
    setHidden(this.replace, true);
    this.addRow(true);
  }

  private clearProblems(): void {
    for (const msg of this.form.querySelectorAll<HTMLElement>('[data-field]')) setText(msg, '');
    for (const input of this.form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    setText(this.formMsg, '');
  }

  /** Shows a problem next to its field (or at the top of the form), or clears it (empty message). */
  private showProblem(p: FormProblem, focus = false): void {
    const msg = this.form.querySelector<HTMLElement>(`[data-field="${p.field}"]`);
    const inputId = FIELD_INPUTS[p.field];
    const input = inputId === undefined ? null : document.getElementById(inputId);
    setText(msg ?? this.formMsg, p.message);
    if (input instanceof HTMLInputElement || input instanceof HTMLSelectElement || input instanceof HTMLTextAreaElement) {
      if (p.message === '') input.removeAttribute('aria-invalid');
      else input.setAttribute('aria-invalid', 'true');
    }
    if (focus && p.message !== '') (input ?? this.heading).focus();
  }

  private refused(error: ApiError): void {
    const field = error.field !== undefined && error.field in FIELD_INPUTS ? error.field : null;
    this.showProblem({ field: field ?? 'form', message: field === null ? `Not saved: ${error.message}` : error.message }, true);
  }

  private async submit(): Promise<void> {
    if (this.save.getAttribute('aria-disabled') === 'true') return;
    this.clearProblems();
    const v = this.values();
    const d = this.editing;
    this.save.setAttribute('aria-disabled', 'true');
    try {
      if (d === null) {
        const built = createArg(v);
        if (!built.ok) return this.showProblem(built.problem, true);
        const r = await this.bridge.createDestination(built.arg);
        if (!r.ok) return this.refused(r.error);
        const why = r.value.formatReason ? ` Format ${FORMAT_LABELS[r.value.destination.format]}, ${r.value.formatReason}.` : '';
        this.onSaved(`Added ${safeText(r.value.destination.name)}.${why}`, r.value.destination.id);
        return;
      }
      const built = patchArg(d, v);
      if (!built.ok) return this.showProblem(built.problem, true);
      if (emptyPatch(built.arg)) {
        this.onSaved(`Nothing changed in ${safeText(d.name)}.`, d.id);
        return;
      }
      const r = await this.bridge.updateDestination(built.arg);
      if (!r.ok) return this.refused(r.error);
      this.onSaved(`Saved ${safeText(r.value.destination.name)}.`, d.id);
    } finally {
      this.save.removeAttribute('aria-disabled');
    }
  }
}

/** Which field an input belongs to (its data-field message's name). */
function fieldOf(target: HTMLElement): string {
  if (target.closest('#dest-headers')) return 'headers';
  const entry = Object.entries(FIELD_INPUTS).find(([, id]) => id === target.id);
  return entry?.[0] ?? 'form';
}
