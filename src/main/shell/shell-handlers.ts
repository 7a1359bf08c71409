// The bridge handlers as the Electron window gets them: the controller's, except the calls only the
// shell can do. copySecret: the secret goes from the controller straight to the system clipboard;
// the window only learns whether it worked. copyText: what the window copies (a curl command) goes
// to the clipboard through main. exportHistory: the user picks where the file goes. openLogFile:
// the main process's log opens in the system's viewer.

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
  electron: Pick<ShellElectron, 'clipboard' | 'dialog' | 'shell'>,
  now: () => number = Date.now,
): BridgeHandlers {
  return {
    ...controller.handlers,
    copySecret: async (): Promise<Result<{ copied: boolean }>> => {
      const secret = controller.getSecret();
      if (secret === null) {
        return { ok: false, error: { code: 'no_secret', message: 'No signing secret is set: set or generate one first.' } };
      }
      await electron.clipboard.writeText(secret);
      return { ok: true, value: { copied: true } };
    },
    // The window may not write the clipboard itself (it is granted no permission); main does it.
    copyText: async ({ text }): Promise<Result<{ copied: boolean }>> => {
      await electron.clipboard.writeText(text);
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
    openLogFile: async (): Promise<Result<{ path: string; opened: boolean }>> => {
      const where = await controller.handlers.openLogFile(undefined);
      if (!where.ok) return where;
      // openPath answers an error message, or '' when the viewer opened.
      const problem = await electron.shell.openPath(where.value.path);
      return problem === ''
        ? { ok: true, value: { path: where.value.path, opened: true } }
        : { ok: false, error: { code: 'internal', message: `The log file ${where.value.path} could not be opened: ${problem}` } };
    },
  };
}
