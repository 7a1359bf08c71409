// Where the benchmark's files are, and its one esbuild set-up: the TypeScript workers (and the
// test fixtures a benchmark borrows, such as the NATS cluster) bundled into .cache/bench as ESM
// that Node runs directly, their npm dependencies left to node_modules. Every benchmark script
// bundles through here so they all run the same kind of build.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ingestWorkerDefine } from '../../scripts/ingest-worker-define.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Bundled workers and build products of the benchmark (git-ignored). */
export const OUT = join(ROOT, '.cache/bench');
/** The built headless host (`node scripts/build.mjs --quiet` first). */
export const HEADLESS = join(ROOT, 'dist/main/headless.js');
/** The local receiver every benchmark delivers to. */
export const RECEIVER = join(ROOT, 'bench/receiver.mjs');
/** The workers are plain Node scripts; this is the oldest Node their syntax must run on. */
const BUNDLE_TARGET = 'node20';

/**
 * Bundles `entryPoints` (esbuild's forms: a list of paths, or names → paths) into OUT, where
 * `runWorker(OUT, name, …)` finds them.
 */
export async function bundleForBench(entryPoints) {
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints,
    outdir: OUT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    packages: 'external',
    logLevel: 'error',
    // Workers that hold the controller start its ingest thread from this string.
    define: await ingestWorkerDefine(),
  });
}

/** The path of a bench worker's source (bench/workers/<name>.ts). */
export const workerSource = (name) => join(ROOT, `bench/workers/${name}.ts`);
