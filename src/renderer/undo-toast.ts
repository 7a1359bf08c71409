// A short-lived note at the bottom of the window with an Undo button: "URL cleared. Undo". A
// destructive action goes through at once (nothing waits on the user) and can be taken back for
// UNDO_MS; a new note replaces the old one, whose undo is then gone.

import { byId, el } from './dom';

/** Long enough to notice and reach the button, short enough not to linger. */
export const UNDO_MS = 8_000;

export class UndoToast {
  private readonly root = byId('toast', HTMLElement);
  private timer: ReturnType<typeof setTimeout> | null = null;

  show(message: string, undo: () => void | Promise<void>): void {
    this.hide();
    const button = el('button', { type: 'button', class: 'btn small', id: 'toast-undo' }, ['Undo']);
    button.addEventListener('click', () => {
      this.hide();
      void undo();
    });
    this.root.replaceChildren(el('span', {}, [message]), button);
    this.root.hidden = false;
    this.timer = setTimeout(() => this.hide(), UNDO_MS);
  }

  hide(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.root.hidden = true;
    this.root.replaceChildren();
  }
}
