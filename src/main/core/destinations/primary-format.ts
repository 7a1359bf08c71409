// The primary destination's body format, chosen from its URL's host (hooks.slack.com → slack, …)
// whenever its URL is set: pasting a Slack, Discord, Teams, Google Chat or ntfy URL into the
// window or `--url` delivers bodies those services accept instead of the daemon's JSON, which
// they refuse (or, Teams Workflows, accept and drop). Any other host keeps the daemon's JSON.

import { guessFormat, type FormatGuess } from '../../../shared/formats/format-names';
import type { Dispatcher } from '../delivery/dispatcher';
import { bodyShaper } from './body-shaper';

export class PrimaryFormat {
  private guess: FormatGuess | null = null;

  /** The format now in use (null: no URL). */
  get current(): FormatGuess | null {
    return this.guess;
  }

  /** Whether the daemon could deliver to the primary itself: only its own JSON with no extra header. */
  get daemonCompatible(): boolean {
    return this.guess === null || this.guess.format === 'pilot';
  }

  /** Chooses the format for `url` and gives the dispatcher its shaper. */
  apply(d: Dispatcher, url: string | null): FormatGuess | null {
    this.guess = url === null ? null : guessFormat(url);
    d.setShaper(this.guess === null ? null : bodyShaper({ format: this.guess.format, headers: {} }));
    return this.guess;
  }
}
