// What the daemon gets back when the app quits, and why — one rule, shown in the window before
// the quit and applied at it: the user's explicit choice; else exactly what the daemon delivered
// to before the app linked (even a URL the app's own rules refused to import: it is the user's,
// untouched); else, when the daemon had none, the app's primary URL so the daemon keeps
// delivering while the app is closed. When a -webhook flag could not be ruled out, the user is
// asked once.

import type { DaemonRestore } from '../../../shared/bridge';
import type { RememberedOrigin, RestoreMode } from './link-memory';
import { sourceWords } from './link-findings';

export interface RestoreInput {
  onQuit: 'restore' | 'clear';
  choice: RestoreMode | null;
  original: RememberedOrigin | null;
  appUrl: string | null;
  /**
   * why the app's primary destination cannot be given to the daemon (a Slack body, an extra
   * header the daemon cannot send), or null: then where the app's URL would go, the daemon is
   * cleared instead, and `why` says so
   */
  appUnusable?: string | null;
  isOwn: (url: string) => boolean;
}

export function describeRestore(input: RestoreInput): DaemonRestore {
  const unusable = input.appUnusable ?? null;
  const app = unusable === null && input.appUrl && !input.isOwn(input.appUrl) ? input.appUrl : null;
  const r = describe(input, app);
  if (unusable === null) return r;
  // Where the app's URL would have gone, the daemon is cleared: said before the quit, with what
  // it means for the events while the app is closed.
  const clearedForIt = r.url === null && r.appUsed;
  const { appUsed: _used, ...restore } = r;
  return {
    ...restore,
    ...(clearedForIt && {
      why: `${restore.why}; the app's primary destination is not handed to the daemon (${unusable}), so the daemon is cleared and its events are not delivered while the app is closed`,
    }),
    appUnusable: unusable,
  };
}

/** The rule itself; `appUsed`: the app's URL was the answer (or would have been, had it been usable). */
function describe(input: RestoreInput, app: string | null): DaemonRestore & { appUsed: boolean } {
  const original = input.original;
  const had = original?.url ?? null;
  if (input.onQuit === 'clear') return { url: null, why: 'the "on quit: clear" setting', ask: false, guess: null, appUsed: false };
  switch (input.choice) {
    case 'clear':
      return { url: null, why: 'you chose to clear it', ask: false, guess: null, appUsed: false };
    case 'app':
      return { url: app, why: "you chose the app's URL", ask: false, guess: null, appUsed: true };
    case 'original':
      return { url: had, why: 'you chose what the daemon had before the app linked', ask: false, guess: null, appUsed: false };
    case null:
      break;
  }
  if (original === null) return { url: had ?? app, why: 'not linked yet', ask: false, guess: null, appUsed: had === null };
  if (!original.known) {
    const guess = had ?? app;
    return {
      url: guess,
      why: had
        ? `found in ${original.source === 'asked' ? 'your answer' : sourceWords(original.source as never)}, but the daemon's command line could not be read, so a -webhook flag may have been in use`
        : 'what the daemon delivered to before the app linked is not known',
      ask: true,
      guess,
      appUsed: had === null,
    };
  }
  if (had !== null) return { url: had, why: `what the daemon delivered to before the app linked (${sourceWords(original.source as never)})`, ask: false, guess: null, appUsed: false };
  return { url: app, why: app ? "the daemon had no URL before; the app's URL keeps events flowing while the app is closed" : 'the daemon had no URL before', ask: false, guess: null, appUsed: true };
}
