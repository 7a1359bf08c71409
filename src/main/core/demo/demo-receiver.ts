// The built-in receiver demo mode delivers to when no URL is set: a loopback HTTP server that
// accepts events, so `--demo` shows deliveries working with nothing else installed. Every
// DEMO_FLAKY_EVERY-th event is answered 503 once, so the log also shows what a retry looks like.

import { createServer, type Server } from 'node:http';

/** One event in this many is refused once, then accepted on its retry. */
export const DEMO_FLAKY_EVERY = 12;

/** Bodies larger than this are refused: the demo receiver only ever sees small events. */
const MAX_DEMO_BODY_BYTES = 1_048_576;

export interface DemoReceiver {
  url: string;
  received(): number;
  close(): Promise<void>;
}

export async function startDemoReceiver(): Promise<DemoReceiver> {
  let count = 0;
  const refusedOnce = new Set<number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_DEMO_BODY_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let id = -1;
      try {
        id = Number((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event_id?: unknown }).event_id);
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('demo receiver: not JSON');
        return;
      }
      // event_id 0 is "Send test event" (outside the stream): a test must show the receiver works.
      if (id > 0 && id % DEMO_FLAKY_EVERY === 0 && !refusedOnce.has(id)) {
        refusedOnce.add(id);
        res.writeHead(503, { 'content-type': 'text/plain' }).end('demo receiver: busy, try again');
        return;
      }
      count++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/demo-receiver`,
    received: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
