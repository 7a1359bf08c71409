// The counters: since-start stats and the reference plugin's per-URL counters. Each value is a
// <dd> labelled by its <dt>, so "Delivered" names its number for screen readers and tests alike.

import type { AppState } from '../shared/bridge';
import type { Stats } from '../shared/delivery';
import { setText } from './dom';
import { formatCount } from './format';

export class Counters {
  private readonly stats: [keyof Stats, HTMLElement][] = [];
  private readonly client: [keyof AppState['client'], HTMLElement][] = [];

  constructor(root: ParentNode = document) {
    for (const dd of root.querySelectorAll<HTMLElement>('[data-stat]')) {
      this.stats.push([dd.dataset.stat as keyof Stats, dd]);
    }
    for (const dd of root.querySelectorAll<HTMLElement>('[data-client]')) {
      this.client.push([dd.dataset.client as keyof AppState['client'], dd]);
    }
  }

  update(state: AppState): void {
    for (const [key, dd] of this.stats) setText(dd, formatCount(state.stats[key] ?? 0));
    for (const [key, dd] of this.client) setText(dd, formatCount(state.client[key] ?? 0));
  }
}
