// The bridge handlers as the Electron window gets them: the controller's, except copySecret, which
// only the shell can do. The secret goes from the controller straight to the system clipboard; the
// window only learns whether it worked.

import type { BridgeHandlers, Result } from '../../shared/bridge';
import type { ControllerLike } from './controller-like';
import type { ShellElectron } from './electron-api';

export function shellHandlers(controller: ControllerLike, clipboard: ShellElectron['clipboard']): BridgeHandlers {
  return {
    ...controller.handlers,
    copySecret: async (): Promise<Result<{ copied: boolean }>> => {
      const secret = controller.getSecret();
      if (secret === null) {
        return { ok: false, error: { code: 'no_secret', message: 'No signing secret is set: set or generate one first.' } };
      }
      clipboard.writeText(secret);
      return { ok: true, value: { copied: true } };
    },
  };
}
