// Opens the headless host's settings file with `conf`. A file that cannot be read (not JSON,
// truncated by a crash, not an object) is set aside beside itself and reported — never a crash,
// and never silently overwritten: the user can still open the old file and copy values out.

import Conf from 'conf';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyValueStore } from './settings-schema';

export const SETTINGS_FILE_NAME = 'settings';

/** Owner-only: the file may hold the signing secret. */
const SETTINGS_FILE_MODE = 0o600;

export interface OpenedStore {
  kv: KeyValueStore;
  warnings: string[];
}

/** conf turns a JSON array into an object of its indexes; a settings file must be an object. */
function checkIsObject(file: string): void {
  if (!existsSync(file)) return;
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('the file does not hold a JSON object');
  }
}

function open(dataDir: string): KeyValueStore {
  checkIsObject(join(dataDir, `${SETTINGS_FILE_NAME}.json`));
  const conf = new Conf<Record<string, unknown>>({
    cwd: dataDir,
    configName: SETTINGS_FILE_NAME,
    configFileMode: SETTINGS_FILE_MODE,
    // We check field by field ourselves (settings-schema.ts); conf only reads and writes atomically.
    clearInvalidConfig: false,
  });
  return conf as unknown as KeyValueStore;
}

/**
 * Why a settings file could not be read, safe to show. JSON.parse's own message quotes the text
 * around the error (Node 20), and that text may be the signing secret: it is never repeated.
 */
export function unreadableReason(err: unknown): string {
  if (err instanceof SyntaxError) return 'it is not valid JSON';
  return err instanceof Error ? err.message : String(err);
}

export function openConfStore(dataDir: string, now: () => number = Date.now): OpenedStore {
  try {
    return { kv: open(dataDir), warnings: [] };
  } catch (err) {
    const file = join(dataDir, `${SETTINGS_FILE_NAME}.json`);
    const reason = unreadableReason(err);
    if (!existsSync(file)) {
      // Not a broken file: the folder itself cannot be used (not a folder, no permission). The
      // app cannot keep settings without it, so this stays an error, one that names the folder.
      const code = (err as { code?: unknown }).code;
      throw new Error(`Cannot open the settings folder ${dataDir}${typeof code === 'string' ? ` (${code})` : ''}: ${reason}`, { cause: err });
    }
    const aside = `${file}.broken-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
    renameSync(file, aside);
    return {
      kv: open(dataDir),
      warnings: [`The settings file ${file} could not be read (${reason}); it was set aside as ${aside} and defaults are in use.`],
    };
  }
}
