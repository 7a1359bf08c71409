// The window's Content-Security-Policy, in one place: the page's <meta> tag, the Electron shell's
// injected response header and the headless host's header must all say the same thing.
//
// The window loads only its own bundled script and stylesheet and talks only to its own origin (the
// headless API; in Electron it talks over IPC and needs no network at all). No inline code, no eval,
// no plugins, no <base> tricks, no form posts anywhere.

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'";

/**
 * Only valid in a response header (a <meta> policy ignores it with a console warning): the window
 * may not be framed by anyone.
 */
export const CSP_HEADER_ONLY_DIRECTIVES = "frame-ancestors 'none'";

/** What a response header carries: the page's policy plus the header-only directives. */
export const CSP_HEADER_VALUE = `${CONTENT_SECURITY_POLICY}; ${CSP_HEADER_ONLY_DIRECTIVES}`;
