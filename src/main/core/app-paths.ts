// Where the app keeps its data when no --data-dir is given: the platform's app-data folder, the
// same place Electron's app.getPath('userData') points to for this product name.

import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_DIR_NAME = 'Pilot Webhook Desktop';

export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_DIR_NAME);
}
