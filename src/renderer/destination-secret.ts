// A destination's signing secret, in its edit form: set (replacing one asks first) or cleared
// (asks first: the receiver then gets unsigned requests). The window sends a new secret once and
// is only ever shown its masked hint back.

import type { Bridge } from '../shared/bridge';
import type { DestinationSummary } from '../shared/destination-summary';
import { safeText } from '../shared/safe-text';
import { confirmAction } from './dialogs';
import { byId, setText } from './dom';

export class DestinationSecret {
  private readonly box = byId('dest-secret-box', HTMLElement);
  private readonly state = byId('dest-secret-state', HTMLElement);
  private readonly input = byId('dest-secret', HTMLInputElement);
  private readonly msg = byId('dest-secret-msg', HTMLElement);
  private readonly clearButton = byId('dest-secret-clear', HTMLButtonElement);
  private dest: DestinationSummary | null = null;
  private set = false;

  constructor(private readonly bridge: Bridge) {
    byId('dest-secret-set', HTMLButtonElement).addEventListener('click', () => void this.save());
    this.clearButton.addEventListener('click', () => void this.clear());
    // Enter here sets the secret; it must not submit the edit form around it.
    this.input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      void this.save();
    });
  }

  /** Shown for an existing destination only: a new one gets its secret once it exists. */
  show(d: DestinationSummary | null): void {
    this.dest = d;
    this.box.hidden = d === null;
    this.input.value = '';
    setText(this.msg, '');
    if (d !== null) this.render(d.secret.set, d.secret.hint);
  }

  private render(set: boolean, hint: string | null): void {
    this.set = set;
    setText(
      this.state,
      set
        ? `Set (${safeText(hint ?? '••••')}): requests are signed (X-Pilot-Signature-256 and webhook-signature).`
        : 'Not set: requests carry no signature.',
    );
    this.clearButton.hidden = !set;
  }

  private async save(): Promise<void> {
    const d = this.dest;
    if (d === null) return;
    const secret = this.input.value;
    if (secret.trim() === '') {
      setText(this.msg, 'Type the new secret first.');
      this.input.focus();
      return;
    }
    if (this.set) {
      const sure = await confirmAction({
        question: `Replace the signing secret of “${safeText(d.name)}”?`,
        detail: 'Its receiver must verify with the new one from the next request on.',
        ok: 'Replace secret',
      });
      if (!sure) return;
    }
    const r = await this.bridge.setDestinationSecret({ id: d.id, secret });
    if (!r.ok) {
      setText(this.msg, `Not set: ${r.error.message}`);
      return;
    }
    this.input.value = '';
    this.render(true, r.value.hint);
    setText(this.msg, 'Secret set.');
  }

  private async clear(): Promise<void> {
    const d = this.dest;
    if (d === null) return;
    const sure = await confirmAction({
      question: `Clear the signing secret of “${safeText(d.name)}”?`,
      detail: 'Its requests are then sent unsigned; a receiver that verifies signatures refuses them.',
      ok: 'Clear secret',
      danger: true,
    });
    if (!sure) return;
    const r = await this.bridge.clearDestinationSecret({ id: d.id });
    if (!r.ok) {
      setText(this.msg, `Not cleared: ${r.error.message}`);
      return;
    }
    this.render(false, null);
    setText(this.msg, 'Secret cleared.');
  }
}
