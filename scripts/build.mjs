// Bundles every entry with esbuild into dist/. Entries that do not exist yet are skipped, so the
// build works at every step of the project. --quiet prints only errors.
import { build } from 'esbuild';
import { ingestWorkerDefine } from './ingest-worker-define.mjs';
import { existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const at = (p) => join(root, p);

/** Node-side bundles keep npm packages external: they are installed beside the app. */
const nodeCommon = { bundle: true, platform: 'node', target: 'node24', sourcemap: 'linked', logLevel: quiet ? 'error' : 'info' };

// The ingest thread's code, defined into the hosts as a string (see ingest-worker-define.mjs).
const withIngestWorker = { define: await ingestWorkerDefine() };

const entries = [
  // Headless host: ESM, run by plain Node.
  { in: 'src/main/headless.ts', out: 'dist/main/headless.js', opts: { ...nodeCommon, ...withIngestWorker, format: 'esm', packages: 'external' } },
  // The headless host's systemd user units (README, "Running on a server").
  { in: 'src/main/install-systemd-units.ts', out: 'dist/main/install-systemd-units.js', opts: { ...nodeCommon, format: 'esm', packages: 'external' } },
  // Electron main: ESM (Electron >= 28 loads ESM mains). Everything but electron and native
  // modules is bundled so the packaged app does not depend on ESM/CJS interop of its deps.
  {
    in: 'src/main/shell/electron-main.ts',
    out: 'dist/main/electron-main.js',
    opts: { ...nodeCommon, ...withIngestWorker, format: 'esm', external: ['electron', 'better-sqlite3'], target: 'node24',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } },
  },
  // Preload: one CommonJS file (sandboxed preloads cannot load ESM or other files).
  { in: 'src/main/preload.ts', out: 'dist/preload.cjs', opts: { ...nodeCommon, format: 'cjs', external: ['electron'], target: 'node24' } },
  // The window: one browser script, no inline code (strict CSP).
  { in: 'src/renderer/main.ts', out: 'dist/renderer/app.js', opts: { bundle: true, platform: 'browser', format: 'esm', target: 'es2022', sourcemap: 'linked', logLevel: quiet ? 'error' : 'info' } },
  // Fake daemon, runnable by hand: node dist/fixtures/fake-daemon.js --help
  { in: 'test/fixtures/fake-daemon-cli.ts', out: 'dist/fixtures/fake-daemon.js', opts: { ...nodeCommon, format: 'esm', packages: 'external' } },
];

// dist/ is not wiped first: a test host may be running from it while another build writes.
for (const e of entries) {
  if (!existsSync(at(e.in))) continue;
  await build({ entryPoints: [at(e.in)], outfile: at(e.out), ...e.opts });
}
// Static files of the window, copied as they are.
for (const f of ['index.html', 'styles.css']) {
  const src = at(join('src/renderer', f));
  if (!existsSync(src)) continue;
  mkdirSync(at('dist/renderer'), { recursive: true });
  copyFileSync(src, at(join('dist/renderer', f)));
}
