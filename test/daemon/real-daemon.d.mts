// Types for real-daemon.mjs (plain Node ESM so it also runs by hand: `node real-daemon.mjs --smoke`).
import type { ChildProcess } from 'node:child_process';

export const PILOT_VERSION: string;
export const PILOT_WHEEL: { requirement: string; file: string; sha256: string };

export interface PilotInstall {
  binDir: string;
  daemon: string;
  pilotctl: string;
  version: string;
  /** 'cache' when the pinned binaries were already there */
  source: 'cache' | 'pypi-wheel';
}
export function installPilot(opts?: { cacheDir?: string }): Promise<PilotInstall>;

export interface Rendezvous {
  kind: 'rendezvous' | 'stub';
  registryAddr: string;
  beaconAddr: string;
  stop(): Promise<unknown>;
}
export function startRendezvous(opts: { binDir?: string; tmpDir?: string }): Promise<Rendezvous>;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningDaemon {
  name: string;
  socket: string;
  /** the daemon's HOME: ~/.pilot/{webhook_url,config.json,identity.json} live here */
  home: string;
  logPath: string;
  proc: ChildProcess;
  registryAddr: string;
  beaconAddr: string;
  stop(signal?: NodeJS.Signals): Promise<ExitInfo>;
  exited(): Promise<ExitInfo>;
}
export function startDaemon(opts: {
  binDir: string;
  tmpDir: string;
  name: string;
  registryAddr?: string;
  beaconAddr?: string;
  env?: Record<string, string>;
  args?: string[];
  webhook?: string;
  webhookSecret?: string;
  timeoutMs?: number;
}): Promise<RunningDaemon>;

export interface PilotctlResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}
export function pilotctl(opts: {
  binDir: string;
  socket: string;
  home: string;
  args: string[];
  registryAddr?: string;
  beaconAddr?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<PilotctlResult>;

export function stopAll(opts?: { graceMs?: number }): Promise<void>;
export function makeTmpDir(prefix?: string): string;
