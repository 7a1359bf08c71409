// The window's page comes from a privileged app:// scheme of our own, not file://: a file:// page
// may read any file:// URL it can name, and Electron grants file:// extra privileges unless the
// grantFileProtocolExtraPrivileges fuse is off (it is, electron-builder.yml). The handler serves
// only the headless host's allow-list of built files (headless/static-files.ts), so a request path
// is a key into that table, never a path joined onto a folder, and every answer carries the same
// security headers as the headless host's.

import type { Protocol } from 'electron';
import { loadStatic } from '../headless/static-files';
import { SECURITY_HEADERS } from '../headless/security';

export const APP_SCHEME = 'app';
/** The one host of the scheme: a standard scheme needs a host, and only this one is served. */
export const APP_HOST = 'pilot-webhook';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** What the window loads, and the only document whose frame may call the bridge. */
export const APP_PAGE_URL = `${APP_ORIGIN}/index.html`;

/**
 * standard: parsed like http (origin, relative URLs, module scripts); secure: a secure context, as
 * https. Nothing more: no fetch(), no CORS, no service workers, no bypassing the CSP.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true } as const;

/** Must run before the app is ready (Electron's rule for registerSchemesAsPrivileged). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
}

function notFound(): Response {
  return new Response('Not found\n', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS } });
}

/** Answers one app:// request from the allow-list in `rendererDir` (the built window). */
export function appProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return notFound();
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return notFound();
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('Method not allowed\n', { status: 405, headers: { Allow: 'GET, HEAD', ...SECURITY_HEADERS } });
    }
    const content = await loadStatic(url.pathname, rendererDir);
    if (!content.found) return notFound();
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(content.body), {
      status: 200,
      headers: { 'Content-Type': content.contentType, 'Cache-Control': 'no-cache', ...SECURITY_HEADERS },
    });
  };
}

/** After the app is ready: app:// requests are answered by appProtocolHandler. */
export function serveAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir));
}
