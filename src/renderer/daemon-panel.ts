// The daemon panel: is the link up, to which socket and node, and the daemon's own counters for
// the daemon → app hop (a loss there is a loss too, so it is shown, never hidden).

import type { DaemonView } from '../shared/bridge';
import { byId, setHidden, setText } from './dom';
import { formatCount } from './format';

type Field = 'link' | 'socket' | 'nodeId' | 'address' | 'dropped' | 'skips';

/** The daemon's counters restart with each of its webhook clients; d.hop sums them all. */
function hopCount(d: DaemonView, value: number): string {
  return d.enabled && (d.health !== null || value > 0) ? formatCount(value) : '–';
}

function linkText(d: DaemonView): string {
  if (!d.enabled) return 'Off (not linked to a daemon)';
  return d.connected ? 'Connected' : 'Not connected';
}

export class DaemonPanel {
  private readonly fields = new Map<Field, HTMLElement>();
  private readonly error = byId('daemon-error', HTMLElement);

  constructor() {
    for (const dd of document.querySelectorAll<HTMLElement>('[data-daemon]')) {
      this.fields.set(dd.dataset.daemon as Field, dd);
    }
  }

  update(d: DaemonView): void {
    const values: Record<Field, string> = {
      link: linkText(d),
      socket: d.socket ?? '–',
      nodeId: d.nodeId === null ? '–' : String(d.nodeId),
      address: d.address ?? '–',
      dropped: hopCount(d, d.hop.dropped),
      skips: hopCount(d, d.hop.circuitSkips),
    };
    for (const [field, dd] of this.fields) setText(dd, values[field]);
    this.fields.get('link')?.setAttribute('data-ok', String(d.enabled && d.connected));
    setHidden(this.error, d.error === null);
    setText(this.error, d.error ?? '');
  }
}
