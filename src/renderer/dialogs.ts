// The window's two dialogs, on the native <dialog> (focus kept inside, Escape closes, focus
// returns to where it was): a confirmation that says exactly what an action will do before it
// does it ("Resend 12 undelivered events since 14:05?"), and the keyboard help.

import { byId, setText } from './dom';

export interface ConfirmText {
  /** the question, with the numbers: "Resend 12 undelivered events since 14:05?" */
  question: string;
  detail?: string;
  /** the button that does it, named after the action ("Resend 12") */
  ok: string;
  danger?: boolean;
}

export function confirmAction(text: ConfirmText): Promise<boolean> {
  const dialog = byId('confirm', HTMLDialogElement);
  setText(byId('confirm-text', HTMLElement), text.question);
  setText(byId('confirm-detail', HTMLElement), text.detail ?? '');
  const ok = byId('confirm-ok', HTMLButtonElement);
  setText(ok, text.ok);
  ok.className = `btn ${text.danger ? 'danger' : 'primary'}`;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    byId('confirm-cancel', HTMLButtonElement).focus();
  });
}

export function openHelp(): void {
  const help = byId('help', HTMLDialogElement);
  if (!help.open) help.showModal();
}

/** True while a dialog is open: the page's own shortcuts then stay quiet. */
export function dialogOpen(): boolean {
  return document.querySelector('dialog[open]') !== null;
}
