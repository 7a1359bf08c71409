// Sleep and offline, as Electron reports them: while the machine sleeps (powerMonitor 'suspend'
// until 'resume' and a short grace for the network to come back) or has no network
// (net.isOnline(), polled), delivery attempts wait instead of being used up.

import type { ShellElectron } from './electron-api';

/** How often the network state is looked at: Electron has no event for it. */
export const ONLINE_POLL_MS = 5000;

/** After a wake-up, the network usually needs a few seconds before an attempt can succeed. */
export const WAKE_GRACE_MS = 3000;

export function watchPower(
  electron: Required<Pick<ShellElectron, 'powerMonitor' | 'net'>>,
  onSuspended: (suspended: boolean) => void,
  opts: { pollMs?: number; graceMs?: number } = {},
): () => void {
  let asleep = false;
  let waking = false;
  let offline = !electron.net.isOnline();
  let last: boolean | null = null;
  let graceTimer: NodeJS.Timeout | null = null;
  const report = (): void => {
    const suspended = asleep || waking || offline;
    if (suspended === last) return;
    last = suspended;
    onSuspended(suspended);
  };
  const onSuspend = (): void => {
    asleep = true;
    report();
  };
  const onResume = (): void => {
    asleep = false;
    waking = true;
    report();
    if (graceTimer) clearTimeout(graceTimer);
    graceTimer = setTimeout(() => {
      waking = false;
      offline = !electron.net.isOnline();
      report();
    }, opts.graceMs ?? WAKE_GRACE_MS);
  };
  electron.powerMonitor.on('suspend', onSuspend);
  electron.powerMonitor.on('resume', onResume);
  const poll = setInterval(() => {
    offline = !electron.net.isOnline();
    report();
  }, opts.pollMs ?? ONLINE_POLL_MS);
  report();
  return () => {
    clearInterval(poll);
    if (graceTimer) clearTimeout(graceTimer);
    electron.powerMonitor.removeListener('suspend', onSuspend);
    electron.powerMonitor.removeListener('resume', onResume);
  };
}
