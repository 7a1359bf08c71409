// Reading the fleet's configuration once the cluster answers: the KV bucket opened (created by
// the fleet's first process), the fleet key checked against it before anything is decrypted,
// the fleet's engine settings taken (or written, from this process's flags), then every
// destination loaded and followed. Retried while the cluster cannot answer; a wrong key, or
// engine flags that cannot join the fleet's settings, end it with the reason in the state.

import { FleetConfig, openConfigBucket, type FleetDestination } from './fleet-config';
import { FleetEngineConfig, FleetEngineError, type FleetEngine } from './fleet-engine';
import { FleetKeyError, type FleetCipher } from './fleet-key';
import type { JetStreamHandles, NatsLink } from './nats-link';

/** A pause before reading the configuration again after the cluster failed to answer. */
const RETRY_PAUSE_MS = 1000;

export interface FleetSetupParts {
  link: NatsLink;
  cipher: FleetCipher;
  /** this process's engine settings, and those its flags set for the whole fleet */
  localEngine: FleetEngine;
  engineFlags: Partial<FleetEngine>;
  onDestination(id: string, dest: FleetDestination | null): void;
  onEngine(engine: FleetEngine): void;
  /** a warning for the state (settings of this process the fleet's override) */
  warn(message: string): void;
  changed(): void;
}

export class FleetSetup {
  config: FleetConfig | null = null;
  engine: FleetEngineConfig | null = null;
  /** why the configuration is not usable (yet), null once it is */
  problem: string | null = 'reading the fleet configuration…';

  constructor(private readonly p: FleetSetupParts) {}

  /** Why the fleet's destinations cannot be changed now. */
  get unavailable(): string {
    return this.problem ?? this.p.link.view().error ?? 'not connected';
  }

  /** Reads the configuration, retrying while the cluster cannot answer. */
  async run(h: JetStreamHandles): Promise<void> {
    const { link } = this.p;
    for (;;) {
      try {
        const kv = await openConfigBucket(h, link.names.config);
        const c = new FleetConfig(kv, this.p.cipher, link.names.config);
        await c.verifyKey();
        // The engine settings first: every engine this process starts uses the fleet's.
        const e = new FleetEngineConfig(kv, this.p.localEngine);
        const lost = await e.start(this.p.engineFlags);
        if (lost.length > 0) {
          this.p.warn(
            `Fleet mode: this process's ${lost.join(', ')} differ from the fleet's engine settings (KV bucket ${link.names.config}); the fleet's are used. Start a process with the flags to change them for every process.`,
          );
        }
        this.engine = e;
        this.p.onEngine(e.current);
        e.onChange((next) => this.p.onEngine(next));
        this.config = c;
        this.problem = null;
        c.onChange((id, dest) => this.p.onDestination(id, dest));
        await c.watch();
        this.p.changed();
        return;
      } catch (err) {
        const final = err instanceof FleetKeyError || err instanceof FleetEngineError;
        this.problem = final ? (err as Error).message : `the fleet configuration cannot be read (${(err as Error).message}); retrying`;
        this.p.changed();
        if (final) {
          process.stderr.write(`fleet: ${(err as Error).message}\n`);
          return;
        }
        await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
      }
    }
  }

  close(): void {
    this.config?.close();
    this.engine?.close();
  }
}
