// Who may call the bridge: only the main frame of our own window, showing our own page. Any other
// sender (a sub-frame, another webContents, a page that somehow navigated elsewhere, a frame that
// is already gone) is refused. Pure, so every case is tested without Electron.

export interface ExpectedSender {
  /** webContents.id of the main window */
  webContentsId: number;
  /** app:// URL of the window's page (app-protocol.ts) */
  pageUrl: string;
}

/** The fields of an IpcMainInvokeEvent the check reads. */
export interface SenderEventLike {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/** A URL without its query and fragment, or null when it does not parse. */
function documentAddress(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return null;
  }
}

export function isTrustedSender(event: SenderEventLike, expected: ExpectedSender | null): boolean {
  if (expected === null) return false;
  const frame = event.senderFrame;
  // Null when the frame navigated away or was destroyed after sending: nothing left to trust.
  if (frame === null) return false;
  if (frame.parent !== null) return false;
  if (event.sender.id !== expected.webContentsId) return false;
  const actual = documentAddress(frame.url);
  // Exact page URL, compared whole: a prefix check would let app://…/index.html.evil through, and
  // a file:// page (or any other scheme) never matches.
  return actual !== null && actual === documentAddress(expected.pageUrl);
}
