// The bridge handlers as the Electron window gets them: the controller's, except the calls only the
// shell can do. copySecret: the secret goes from the controller straight to the system clipboard;
// the window only learns whether it worked. copyText: what the window copies (a curl command) goes
// to the clipboard through main. exportHistory: the user picks where the file goes.

import type { BridgeHandlers, Result } from '../../shared/bridge';
import { exportFileName } from '../core/outbox/history-export';
import { exportHistoryTo } from '../core/outbox/history-file';
import type { ControllerLike } from './controller-like';
import type { ShellElectron } from './electron-api';

/** What the save dialog offers: the export is JSON Lines, whatever the user names it. */
const EXPORT_FILTERS = [
  { name: 'JSON Lines', extensions: ['jsonl'] },
  { name: 'All files', extensions: ['*'] },
];

export function shellHandlers(
  controller: ControllerLike,
  electron: Pick<ShellElectron, 'clipboard' | 'dialog'>,
  now: () => number = Date.now,
): BridgeHandlers {
  return {
    ...controller.handlers,
    copySecret: async (): Promise<Result<{ copied: boolean }>> => {
      const secret = controller.getSecret();
      if (secret === null) {
        return { ok: false, error: { code: 'no_secret', message: 'No signing secret is set: set or generate one first.' } };
      }
      electron.clipboard.writeText(secret);
      return { ok: true, value: { copied: true } };
    },
    // The window may not write the clipboard itself (it is granted no permission); main does it.
    copyText: async ({ text }): Promise<Result<{ copied: boolean }>> => {
      electron.clipboard.writeText(text);
      return { ok: true, value: { copied: true } };
    },
    exportHistory: async (): Promise<Result<{ path: string; records: number }>> => {
      const choice = await electron.dialog.showSaveDialog({
        title: 'Export history',
        defaultPath: exportFileName(now()),
        filters: EXPORT_FILTERS,
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      if (choice.canceled || !choice.filePath) {
        return { ok: false, error: { code: 'cancelled', message: 'Export cancelled.' } };
      }
      return exportHistoryTo(choice.filePath, () => controller.historyPages());
    },
  };
}
