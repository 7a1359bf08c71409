/** esbuild's `define` for the ingest thread's code: `{ __INGEST_WORKER_SOURCE__: <its bundle as a JSON string> }`. */
export function ingestWorkerDefine(): Promise<Record<string, string>>;
