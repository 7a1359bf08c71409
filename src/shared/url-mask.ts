// Passwords (and user names, which are often tokens) in URLs are never echoed: every message that
// may carry a URL the app did not accept — a refused daemon URL, a saved URL that no longer
// passes the rules, a warning — goes through maskUrlCredentials before it is shown, logged or
// answered. One function for the window, the state API and the logs, so all three hide the same.

/** What stands in for the user information ("user:password@"). */
export const MASKED_USERINFO = '***';

/**
 * A URL's scheme and authority as the WHATWG URL parser reads them: the authority ends at the
 * first "/", "\", "?" or "#", and the user information is everything before its LAST "@". The
 * parser drops tabs and newlines anywhere and needs no slashes after a special scheme
 * ("http:alice:pw@host" is "http://alice:pw@host"), so neither ends the match; a space does.
 * Also matches inside longer text, so a message with a URL in it is masked in place.
 */
const URL_WITH_USERINFO = /\b((?:https?|wss?|ftp):[/\\\t\n\r]*|[a-z][a-z0-9+.-]*:\/\/)([^/\\?#\x20]*)@/gi;

/**
 * `text` with the user information of every URL in it replaced by "***":
 * "http://alice:s3cret@example.com/hook" → "http://***@example.com/hook". Text without such a URL
 * comes back unchanged.
 */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_WITH_USERINFO, (_all, scheme: string) => `${scheme}${MASKED_USERINFO}@`);
}
