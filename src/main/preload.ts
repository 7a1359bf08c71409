// The window's preload (bundled to dist/preload.cjs, sandboxed): exposes the bridge contract as
// window.pilot and nothing else.

import { contextBridge, ipcRenderer } from 'electron';
import { PRELOAD_GLOBAL } from '../shared/ipc-channels';
import { buildPreloadApi } from './preload-api';

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, buildPreloadApi(ipcRenderer));
