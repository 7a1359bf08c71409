// The Setup panel (webhook URL, signing secret, history, daemon) shares the side of the log with
// an entry's details: one at a time, so the log keeps its width. It opens by itself on the first
// visit, while no URL is saved, with a few words on what a webhook URL is and where to get one.

import type { AppState } from '../shared/bridge';
import { byId } from './dom';

export class SetupPanel {
  private readonly root = byId('setup', HTMLElement);
  private readonly toggle = byId('setup-toggle', HTMLButtonElement);
  private readonly welcome = byId('welcome', HTMLElement);
  private first = true;

  constructor(
    /** called when Setup opens, e.g. to close the details sharing its place */
    private readonly onOpen: () => void,
  ) {
    this.toggle.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    byId('setup-close', HTMLButtonElement).addEventListener('click', () => this.close());
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  update(state: AppState): void {
    // Written only on a change: state pushes arrive many times a second.
    if (this.welcome.hidden !== (state.url !== null)) this.welcome.hidden = state.url !== null;
    if (this.first) {
      this.first = false;
      if (state.url === null) this.open(false);
    }
  }

  open(focus = true): void {
    this.onOpen();
    this.root.hidden = false;
    this.toggle.setAttribute('aria-expanded', 'true');
    if (focus) byId('setup-h', HTMLElement).focus();
  }

  close(restoreFocus = true): void {
    if (this.root.hidden) return;
    const hadFocus = this.root.contains(document.activeElement);
    this.root.hidden = true;
    this.toggle.setAttribute('aria-expanded', 'false');
    if (restoreFocus && hadFocus) this.toggle.focus();
  }
}
