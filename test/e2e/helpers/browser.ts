// Debian's Chromium driven by playwright-core, with a fresh profile per test file. Every page
// records Content-Security-Policy violations (the DOM event and console reports) so tests can
// assert there are none in normal use.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './host';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../fixtures/chromium.mjs';

export { CHROMIUM_PATH };

/** How long a locator waits for its element before failing. */
const ACTION_TIMEOUT_MS = 10_000;

export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots');

export interface Browser {
  context: BrowserContext;
  newPage(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  /** CSP violations seen so far: securitypolicyviolation events and console reports */
  cspViolations(): Promise<string[]>;
  /** uncaught page errors */
  errors: string[];
}

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

export async function launchBrowser(opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'pilot-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    headless: true,
    // The window's default size: what users see first, and what the screenshots show.
    viewport: { width: 980, height: 720 },
    colorScheme: opts.colorScheme ?? 'light',
    // Grants navigator.clipboard to the page, as a user gesture would in a real window.
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  // Registered before any page script, by the browser itself (CDP), so the page's CSP does not apply.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations!.push(`${e.violatedDirective}: ${e.blockedURI || 'inline'}`);
    });
  });
  return {
    context,
    async newPage(): Promise<WatchedPage> {
      const page = await context.newPage();
      // A missing element fails the test in seconds rather than at the test's own timeout.
      page.setDefaultTimeout(ACTION_TIMEOUT_MS);
      const consoleCsp: string[] = [];
      const errors: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      return {
        page,
        errors,
        cspViolations: async () => [...consoleCsp, ...(await page.evaluate(() => window.__cspViolations ?? []))],
      };
    },
    async close(): Promise<void> {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/** The window sizes every feature is looked at in (the guide's two). */
export const SHOT_SIZES = [
  [980, 720],
  [640, 480],
] as const;

/**
 * Screenshots `<name>-<w>x<h>-<scheme>` at both SHOT_SIZES in light and dark (the page's scheme
 * emulated); `check`, when given, runs at each before its picture. Leaves the page at 980×720 light.
 */
export async function screenshotEverySize(page: Page, name: string, check?: (width: number) => Promise<void>): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [width, height] of SHOT_SIZES) {
      await page.setViewportSize({ width, height });
      await check?.(width);
      await screenshot(page, `${name}-${width}x${height}-${scheme}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 980, height: 720 });
}
