// Before a quit from the tray while the daemon posts to the app: the question that says what the
// daemon gets back (the hand-back rule, core/daemon/restore-target.ts, as the daemon panel shows
// it), so nobody quits without knowing whether events keep flowing while the app is closed. A
// pure function of the state: the shell shows it as a message box and quits on "Quit" only.

import type { MessageBoxOptions } from 'electron';
import type { AppState } from '../../shared/bridge';
import { APP_DISPLAY_NAME } from './tray-menu';

/** The message box's buttons, by index: Quit is the default, Cancel what Escape presses. */
export const QUIT_BUTTON = 0;
export const CANCEL_BUTTON = 1;

/** The question to ask before quitting, or null when the quit changes nothing for the daemon. */
export function quitQuestion(state: AppState): MessageBoxOptions | null {
  const d = state.daemon;
  // Only while linked is the daemon's webhook ours to hand back (taken over, other app: left alone).
  if (d.phase !== 'linked' || d.restore === null) return null;
  const r = d.restore;
  const back = r.url
    ? `The daemon gets its webhook back: ${r.url} (${r.why}).`
    : `The daemon's webhook is cleared (${r.why}): its events are not delivered anywhere while the app is closed.`;
  const ask = r.ask
    ? ` What the daemon delivered to before is not known${r.guess ? ` (perhaps ${r.guess})` : ''}: Cancel, and choose in the window's daemon panel.`
    : '';
  return {
    type: 'question',
    title: `Quit ${APP_DISPLAY_NAME}`,
    message: `Quit ${APP_DISPLAY_NAME}? The daemon delivers its events to this app now.`,
    detail: `${back}${ask}`,
    buttons: ['Quit', 'Cancel'],
    defaultId: r.ask ? CANCEL_BUTTON : QUIT_BUTTON,
    cancelId: CANCEL_BUTTON,
    noLink: true,
  };
}
