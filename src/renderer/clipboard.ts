// Writing to the clipboard from the window. navigator.clipboard needs a secure context (the
// headless page on 127.0.0.1 and the Electron window both are) and a user gesture.

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
