// Writing to the clipboard from the window. In Electron the window is granted no permission, so
// main writes it (the copyText bridge call); the headless host answers that it cannot, and the
// page writes with navigator.clipboard (a secure context, 127.0.0.1, and a user gesture).

import type { Bridge } from '../shared/bridge';

export async function copyText(text: string, bridge: Pick<Bridge, 'copyText'>): Promise<boolean> {
  try {
    const viaMain = await bridge.copyText({ text });
    if (viaMain.ok) return viaMain.value.copied;
  } catch {
    // No answer from the host: try the page's own clipboard below.
  }
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
