// The signing secret: set, generate, copy, clear. The window only ever shows a masked hint: a
// secret is in the page only while the user types it. A generated one stays in the main process,
// which copies it to the clipboard itself ("Copy secret"), so it never passes through the page.

import type { AppState, Bridge } from '../shared/bridge';
import { confirmAction } from './dialogs';
import { byId, setHidden, setText } from './dom';

export class SecretPanel {
  private readonly form = byId('secret-form', HTMLFormElement);
  private readonly input = byId('secret-input', HTMLInputElement);
  private readonly stateLine = byId('secret-state', HTMLElement);
  private readonly message = byId('secret-msg', HTMLElement);
  private readonly copyButton = byId('secret-copy', HTMLButtonElement);
  private readonly clearButton = byId('secret-clear', HTMLButtonElement);
  private isSet = false;

  constructor(private readonly bridge: Bridge) {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.set();
    });
    byId('secret-generate', HTMLButtonElement).addEventListener('click', () => void this.generate());
    this.copyButton.addEventListener('click', () => void this.copy());
    this.clearButton.addEventListener('click', () => void this.clear());
  }

  update(state: AppState): void {
    this.isSet = state.secret.set;
    setText(
      this.stateLine,
      state.secret.set
        ? `Set (${state.secret.hint ?? 'hidden'}). Requests carry X-Pilot-Signature-256 and Standard Webhooks signatures.`
        : 'Not set: requests are sent unsigned.',
    );
    setHidden(this.copyButton, !state.secret.set);
    setHidden(this.clearButton, !state.secret.set);
  }

  private say(text: string): void {
    setText(this.message, text);
  }

  private async set(): Promise<void> {
    const secret = this.input.value;
    if (secret === '') {
      this.say('Type a secret first, or use Generate.');
      this.input.focus();
      return;
    }
    const r = await this.bridge.setSecret({ secret });
    if (!r.ok) {
      this.say(`Secret not set: ${r.error.message}`);
      return;
    }
    this.input.value = '';
    this.say(`Secret set (${r.value.hint}).`);
  }

  private async generate(): Promise<void> {
    if (
      this.isSet &&
      !(await confirmAction({
        question: 'Replace the current signing secret?',
        detail: 'Receivers that verify signatures reject events until they are given the new one.',
        ok: 'Replace secret',
        danger: true,
      }))
    ) {
      return;
    }
    const r = await this.bridge.generateSecret();
    if (!r.ok) {
      this.say(`No secret generated: ${r.error.message}`);
      return;
    }
    this.copyButton.hidden = false;
    this.say(`New secret generated (${r.value.hint}). Use Copy secret to give it to your receiver.`);
    this.copyButton.focus();
  }

  private async copy(): Promise<void> {
    const r = await this.bridge.copySecret();
    if (!r.ok) this.say(`Not copied: ${r.error.message}`);
    else this.say(r.value.copied ? 'Secret copied to the clipboard.' : 'The secret could not be copied here.');
  }

  private async clear(): Promise<void> {
    // The window never holds the secret, so clearing cannot be undone here: ask first.
    const sure = await confirmAction({
      question: 'Clear the signing secret?',
      detail: 'Events are then sent unsigned, and the secret cannot be shown again: receivers that verify signatures reject them until you set a new one on both sides.',
      ok: 'Clear secret',
      danger: true,
    });
    if (!sure) return;
    const r = await this.bridge.clearSecret();
    if (!r.ok) {
      this.say(`Secret not cleared: ${r.error.message}`);
      return;
    }
    this.say('Secret cleared: requests are sent unsigned.');
    this.input.focus();
  }
}
