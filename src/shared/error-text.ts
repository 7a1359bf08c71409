// A caught value in words: an Error's message, anything else (a thrown string, a rejected
// non-Error) as text. Every "…: <why>" message the app shows is built from this.

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
