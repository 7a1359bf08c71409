// The headless host's log file: `main.log` in its data folder, owner-only (0600, whatever the
// umask, and repaired if an older file was looser). One line per message, time-stamped; URL
// passwords are masked, and callers never pass the token or the secret. Appending synchronously
// keeps the lines in order and on disk when the host stops abruptly; the host logs rarely.

import { appendFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { maskUrlCredentials } from '../../shared/url-mask';

export const HOST_LOG_FILE = 'main.log';

const OWNER_ONLY = 0o600;

export interface HostLog {
  readonly path: string;
  write(level: 'info' | 'warn' | 'error', message: string): void;
}

/** Opens (creates) the log in `dataDir`; a log that cannot be written is reported once, not fatal. */
export function openHostLog(dataDir: string, onProblem: (message: string) => void): HostLog {
  const path = join(dataDir, HOST_LOG_FILE);
  let broken = false;
  const append = (text: string): void => {
    if (broken) return;
    try {
      appendFileSync(path, text, { mode: OWNER_ONLY });
    } catch (err) {
      broken = true;
      onProblem(`the log file ${path} cannot be written: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  append('');
  try {
    chmodSync(path, OWNER_ONLY);
  } catch {
    // Reported by append above when the file is not ours to change.
  }
  return {
    path,
    write(level, message) {
      append(`${new Date().toISOString()} ${level} ${maskUrlCredentials(message)}\n`);
    },
  };
}
