// Notices above the page: the host's warnings (a URL that was ignored, a settings file set aside)
// and the page's own connection trouble. Rebuilt only when the text changes.

import { safeText } from '../shared/safe-text';
import { byId, el } from './dom';

export class Notices {
  private readonly root = byId('notices', HTMLElement);
  private warnings: readonly string[] = [];
  private connection: string | null = null;
  private shown = '';

  setWarnings(warnings: readonly string[]): void {
    this.warnings = warnings;
    this.render();
  }

  /** A problem reaching the app itself, or null when all is well. */
  setConnection(problem: string | null): void {
    this.connection = problem;
    this.render();
  }

  private render(): void {
    const items = this.connection === null ? [...this.warnings] : [this.connection, ...this.warnings];
    const key = items.join('\n');
    if (key === this.shown) return;
    this.shown = key;
    this.root.replaceChildren(...items.map((text) => el('p', { class: 'notice' }, [safeText(text)])));
    this.root.hidden = items.length === 0;
  }
}
