// The benchmark's receiver: a minimal node:http server on 127.0.0.1 answering every request
// 200 with an empty body once the request body has arrived. Run as its own process so it never
// shares an event loop with the code being measured. Prints `{"port":N}` when ready, then on
// SIGTERM prints `{"requests":N,"connections":M}` and exits.
import http from 'node:http';

let requests = 0;
let connections = 0;
const server = http.createServer((req, res) => {
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-length': '0' });
    res.end();
  });
  req.resume();
});
server.on('connection', () => connections++);
// Keep-alive sockets outlive a whole benchmark phase: the senders reuse them as the daemon would.
server.keepAliveTimeout = 60_000;

function finish() {
  process.stdout.write(`${JSON.stringify({ requests, connections })}\n`);
  server.closeAllConnections();
  server.close(() => process.exit(0));
}
process.on('SIGTERM', finish);

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
