// Every destination's state at a glance, under the counters, when there is more than one: a dot
// in the status's colour, the name and the status line. One click filters the log to it. With a
// single destination the badge already says everything, so the strip stays hidden.

import type { AppState } from '../shared/bridge';
import type { DestinationSummary } from '../shared/destination-summary';
import { safeText } from '../shared/safe-text';
import { byId, el, setAttr, setHidden, setText } from './dom';
import { formatCount } from './format';

export class DestinationStrip {
  private readonly root = byId('destinations', HTMLElement);
  private readonly list = byId('dest-strip', HTMLUListElement);
  private readonly items = new Map<string, { li: HTMLLIElement; button: HTMLButtonElement; name: HTMLElement; text: HTMLElement }>();

  constructor(private readonly showInLog: (id: string) => void) {}

  update(state: AppState): void {
    const list: readonly DestinationSummary[] = state.destinations ?? [];
    setHidden(this.root, list.length < 2);
    if (list.length < 2) return;
    const seen = new Set<string>();
    list.forEach((d, i) => {
      seen.add(d.id);
      let item = this.items.get(d.id);
      if (item === undefined) {
        const name = el('span', { class: 'strip-name outside' });
        const text = el('span', { class: 'strip-text' });
        const button = el('button', { type: 'button', class: 'strip-item' }, [el('span', { class: 'badge-dot', 'aria-hidden': 'true' }), name, text]);
        const id = d.id;
        button.addEventListener('click', () => this.showInLog(id));
        item = { li: el('li', {}, [button]), button, name, text };
        this.items.set(d.id, item);
      }
      setText(item.name, safeText(d.name));
      setText(item.text, `${safeText(d.status.text)} · ${formatCount(d.stats.delivered)} delivered${d.stats.failed > 0 ? `, ${formatCount(d.stats.failed)} failed` : ''}`);
      setAttr(item.button, 'data-kind', d.status.kind);
      setAttr(item.button, 'title', `Show ${safeText(d.name)}'s entries in the log`);
      if (this.list.children[i] !== item.li) this.list.insertBefore(item.li, this.list.children[i] ?? null);
    });
    for (const [id, item] of this.items) {
      if (!seen.has(id)) {
        item.li.remove();
        this.items.delete(id);
      }
    }
  }
}
