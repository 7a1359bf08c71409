// The window's files, served from a fixed allow-list: the request path is only ever a key into
// this table, never joined onto a directory, so no path can reach any other file.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StaticFile {
  file: string;
  contentType: string;
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const SOURCE_MAP = 'application/json; charset=utf-8';

/** URL path → file in the renderer's build folder. */
export const STATIC_FILES: ReadonlyMap<string, StaticFile> = new Map([
  ['/', { file: 'index.html', contentType: HTML }],
  ['/index.html', { file: 'index.html', contentType: HTML }],
  ['/app.js', { file: 'app.js', contentType: JS }],
  ['/app.js.map', { file: 'app.js.map', contentType: SOURCE_MAP }],
  ['/styles.css', { file: 'styles.css', contentType: CSS }],
  ['/styles.css.map', { file: 'styles.css.map', contentType: SOURCE_MAP }],
]);

/**
 * Shown at `/` when there is no built window (staticDir null): still a valid, CSP-clean page that
 * says how to get the real one. The API works either way.
 */
export const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Pilot Webhook Desktop</title></head>
<body>
<h1>Pilot Webhook Desktop (headless)</h1>
<p>The window is not built. Run <code>npm run build</code>, then start the headless host again.
The HTTP API under <code>/api/</code> is available.</p>
</body>
</html>
`;

export type StaticContent = { found: true; body: Buffer; contentType: string } | { found: false };

/** Reads the allow-listed file for `path`, read fresh each time so a rebuild shows without restart. */
export async function loadStatic(path: string, staticDir: string | null): Promise<StaticContent> {
  const entry = STATIC_FILES.get(path);
  if (entry === undefined) return { found: false };
  if (staticDir === null) {
    return entry.file === 'index.html'
      ? { found: true, body: Buffer.from(PLACEHOLDER_PAGE, 'utf8'), contentType: HTML }
      : { found: false };
  }
  try {
    const body = await readFile(join(staticDir, entry.file));
    return { found: true, body, contentType: entry.contentType };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { found: false };
    throw err;
  }
}
