// The ingest thread's code (src/main/core/ingest/ingest-worker.ts), bundled into one CommonJS
// string and handed to esbuild's `define` as __INGEST_WORKER_SOURCE__: the thread is evaluated
// from it (ingest-thread.ts), so no extra file has to be found beside a bundle or inside the
// packaged app's asar. Every bundle that holds the controller needs it: the hosts
// (scripts/build.mjs), the benchmark's workers (bench/lib/bundle.mjs) and the tests, which vitest
// transforms from the sources (vitest*.config.ts).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), '..', 'src/main/core/ingest/ingest-worker.ts');

export async function ingestWorkerDefine() {
  const out = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'error',
  });
  return { __INGEST_WORKER_SOURCE__: JSON.stringify(out.outputFiles[0].text) };
}
