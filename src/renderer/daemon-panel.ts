// The daemon panel: is the link up, to which socket and node, and the daemon's own counters for
// the daemon → app hop (a loss there is a loss too, so it is shown, never hidden).

import type { Bridge, DaemonPhase, DaemonView } from '../shared/bridge';
import type { DaemonRestoreMode } from '../shared/bridge-calls';
import { byId, setText } from './dom';
import { formatCount } from './format';

type Field = 'link' | 'socket' | 'nodeId' | 'address' | 'dropped' | 'skips';

/** The daemon's counters restart with each of its webhook clients; d.hop sums them all. */
function hopCount(d: DaemonView, value: number): string {
  return d.enabled && (d.health !== null || value > 0) ? formatCount(value) : '–';
}

const PHASE_TEXT: Readonly<Record<DaemonPhase, string>> = {
  off: 'Off (not linked to a daemon)',
  searching: 'Not connected (no daemon socket yet)',
  untrusted: 'Refused (socket not trusted)',
  connecting: 'Connecting',
  linked: 'Connected',
  refused: 'Connected, but the daemon refused the ingest URL',
  'taken-over': 'Connected, but the daemon delivers elsewhere',
  'other-app': 'Held by another instance of this app',
  backoff: 'Not connected (retrying)',
  stopping: 'Handing delivery back',
  stopped: 'Stopped',
};

function linkText(d: DaemonView): string {
  return d.enabled ? PHASE_TEXT[d.phase] : PHASE_TEXT.off;
}

function show(node: HTMLElement, text: string | null): void {
  node.hidden = text === null || text === '';
  setText(node, text ?? '');
}

export class DaemonPanel {
  private readonly fields = new Map<Field, HTMLElement>();
  private readonly error = byId('daemon-error', HTMLElement);
  private readonly loss = byId('daemon-loss', HTMLElement);
  private readonly elsewhere = byId('daemon-elsewhere', HTMLElement);
  private readonly warnings = byId('daemon-warnings', HTMLElement);
  private readonly takeBack = byId('daemon-take-back', HTMLButtonElement);
  private readonly restore = byId('daemon-restore', HTMLElement);
  private readonly restoreUrl = byId('daemon-restore-url', HTMLElement);
  private readonly restoreWhy = byId('daemon-restore-why', HTMLElement);
  private readonly actionMsg = byId('daemon-action-msg', HTMLElement);

  constructor(private readonly bridge: Pick<Bridge, 'takeBackDaemon' | 'chooseDaemonRestore'>) {
    for (const dd of document.querySelectorAll<HTMLElement>('[data-daemon]')) {
      this.fields.set(dd.dataset.daemon as Field, dd);
    }
    this.takeBack.addEventListener('click', () => void this.onTakeBack());
    for (const b of this.restore.querySelectorAll<HTMLButtonElement>('button[data-restore]')) {
      b.addEventListener('click', () => void this.onChoose(b.dataset.restore as DaemonRestoreMode));
    }
  }

  private async onTakeBack(): Promise<void> {
    const r = await this.bridge.takeBackDaemon();
    setText(this.actionMsg, r.ok ? r.value.message : r.error.message);
  }

  private async onChoose(mode: DaemonRestoreMode): Promise<void> {
    const r = await this.bridge.chooseDaemonRestore({ mode });
    setText(this.actionMsg, r.ok ? 'Saved: the daemon gets this back at quit.' : r.error.message);
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
    show(this.error, d.takenBy ? null : d.error);
    show(this.loss, d.loss?.text ?? null);
    show(this.elsewhere, d.startEventsElsewhere);
    show(this.warnings, d.warnings.length ? d.warnings.join(' ') : null);
    if (d.takenBy) show(this.error, d.takenBy.text);
    this.takeBack.hidden = d.takenBy === null;
    this.restore.hidden = d.restore === null || !d.enabled;
    setText(this.restoreUrl, d.restore ? (d.restore.url ?? 'nothing (cleared)') : '–');
    setText(this.restoreWhy, d.restore ? `(${d.restore.ask ? 'please choose: ' : ''}${d.restore.why})` : '');
    this.restore.dataset.ask = String(d.restore?.ask === true);
  }
}
