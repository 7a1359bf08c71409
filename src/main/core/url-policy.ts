// The one judgement of a webhook URL for this run: the URL rules with this run's strict mode and
// the app's own ports. The URL form (setUrl), the first-run import, the command line's --url, the
// per-event check before every send and the egress agent's connect-time check all take their
// options from one UrlPolicy, so a URL that is accepted when saved is never refused on every event
// afterwards (they once used four different option sets).

import { checkWebhookUrl, type UrlCheck } from '../../shared/url-rules';

export interface UrlPolicyOptions {
  /** public receivers only: loopback and private addresses refused too (setting strictEgress) */
  strict: boolean;
}

export class UrlPolicy {
  readonly strict: boolean;
  private readonly ports = new Set<number>();
  private readonly portSources: (() => readonly number[])[] = [];
  // Checked before every event, almost always for the same URL: the last verdict is kept, keyed
  // by everything it depends on (parsing the URL was ~4 % of CPU per event).
  private last: { key: string; check: UrlCheck } | null = null;

  constructor(opts: UrlPolicyOptions) {
    this.strict = opts.strict;
  }

  /** A port the app itself listens on (the ingest): a loopback URL on it is never a receiver. */
  addOwnPort(port: number): void {
    this.ports.add(port);
  }

  /** Ports known only later or changing (the headless UI's): read at every check. */
  addOwnPorts(source: () => readonly number[]): void {
    this.portSources.push(source);
  }

  /** Every port the app serves on loopback, as of now. */
  ownPorts = (): number[] => {
    const all = new Set(this.ports);
    for (const source of this.portSources) for (const p of source()) all.add(p);
    return [...all];
  };

  /** The verdict on `url` under this policy (trimmed and normalised when accepted). */
  check = (url: string): UrlCheck => {
    const ports = this.ownPorts();
    const key = `${ports.join(',')}|${url}`;
    if (this.last?.key !== key) this.last = { key, check: checkWebhookUrl(url, { strict: this.strict, ownPorts: ports }) };
    return this.last.check;
  };
}

/** A --url (or another URL given at start) that the policy refuses: the host exits with its message. */
export class RefusedUrlError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'RefusedUrlError';
  }
}
