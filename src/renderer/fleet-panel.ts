// Fleet mode (--nats): which fleet and role, which NATS servers this process reaches, and what is
// wrong when events cannot go through (the message names the hop). Hidden outside fleet mode.

import type { FleetView } from '../shared/fleet';
import { fleetEngineLine, fleetSummary } from '../shared/fleet';
import { byId, el, setText } from './dom';
import { formatCount } from './format';

export class FleetPanel {
  private readonly card = byId('fleet-card', HTMLElement);
  private readonly summary = byId('fleet-summary', HTMLElement);
  private readonly servers = byId('fleet-servers', HTMLUListElement);
  private readonly counts = byId('fleet-counts', HTMLElement);
  private readonly error = byId('fleet-error', HTMLElement);
  /** the fleet-wide engine settings (timeout, retry schedule, maximum age) from the KV bucket */
  private readonly engine = byId('fleet-engine', HTMLElement);
  /** in the top bar: fleet mode and how many servers are reached, visible without opening Setup */
  private readonly tag = byId('fleet-tag', HTMLElement);
  private shownServers = '';

  update(f: FleetView | undefined): void {
    this.card.hidden = f === undefined;
    this.tag.hidden = f === undefined;
    if (!f) return;
    const reached = f.servers.filter((s) => s.reached).length;
    setText(this.tag, `Fleet ${f.name} · ${reached}/${f.servers.length} NATS`);
    this.tag.title = fleetSummary(f);
    this.tag.dataset.ok = String(f.error === null);
    setText(this.summary, `Fleet "${f.name}", role ${f.role}: ${reached} of ${f.servers.length} NATS servers reached${f.replicas ? `, ${f.replicas} copies of each event` : ''}`);
    const key = JSON.stringify(f.servers) + f.server;
    if (key !== this.shownServers) {
      this.shownServers = key;
      this.servers.replaceChildren(
        ...f.servers.map((s) =>
          el('li', { 'data-ok': String(s.reached) }, [`${s.url}: ${s.reached ? 'reached' : 'not reached'}${f.server !== null && s.url.endsWith(f.server) ? ' (connected)' : ''}`]),
        ),
      );
    }
    setText(this.counts, `${formatCount(f.published)} published · ${formatCount(f.refused)} refused (503) · ${formatCount(f.destinations)} destinations · ${formatCount(f.delivering)} delivered from here`);
    this.engine.hidden = f.engine === null;
    setText(this.engine, f.engine ? fleetEngineLine(f.engine) : '');
    this.error.hidden = f.error === null;
    setText(this.error, f.error ?? '');
    this.card.setAttribute('aria-description', fleetSummary(f));
  }
}
