// Minimal loopback stand-in for the Pilot registry (the `rendezvous` program).
//
// Why this exists: the real registry is only published as Go module
// github.com/pilot-protocol/rendezvous, and the Go module proxy reachable from
// our machines answers 403 "This module version is not available." for every
// github.com/pilot-protocol/* module, so it cannot be built here. The daemon
// and pilotctl binaries DO ship in the PyPI wheel `pilotprotocol`, and a daemon
// needs a registry to register with before it creates its IPC socket. This
// stub speaks just enough of the registry's JSON protocol (4-byte big-endian
// length + JSON object, every reply carries "type") for a daemon to register,
// and for two daemons on loopback to find each other and relay handshakes.
// It verifies no signatures: it is test scaffolding, never a security boundary.
import net from 'node:net';

export async function startStubRegistry({ host = '127.0.0.1', port = 0, log = () => {} } = {}) {
  const nodes = new Map(); // node_id -> { listen_addr, public_key, hostname, owner }
  const pendingHandshakes = new Map(); // to_node_id -> [{ from_node_id, justification, public_key }]
  const trust = new Set(); // "a:b"
  let nextId = 1;
  const sockets = new Set();

  const addrOf = (id) => `0:0000.0000.${id.toString(16).padStart(4, '0')}`;
  const nodeView = (id) => {
    const n = nodes.get(id);
    if (!n) return null;
    return {
      node_id: id, address: addrOf(id), public_key: n.public_key, hostname: n.hostname || '',
      real_addr: n.listen_addr, lan_addrs: n.lan_addrs || [], public: false, networks: [0], tags: [],
      last_seen_unix: Math.floor(Date.now() / 1000),
    };
  };

  function handle(req) {
    const t = req.type;
    switch (t) {
      case 'register': {
        // Same public key => same node id, as the real registry does on restart.
        let id = [...nodes.entries()].find(([, n]) => n.public_key && n.public_key === req.public_key)?.[0];
        if (!id) id = nextId++;
        nodes.set(id, { ...nodes.get(id), listen_addr: req.listen_addr, public_key: req.public_key, lan_addrs: req.lan_addrs, owner: req.owner });
        return { type: 'register_ok', node_id: id, address: addrOf(id), public_key: req.public_key };
      }
      case 'heartbeat':
        return { type: 'heartbeat_ok', unix_time: Math.floor(Date.now() / 1000) };
      case 'lookup': {
        const v = nodeView(req.node_id);
        return v ? { type: 'lookup_ok', ...v } : { type: 'error', error: 'node not found' };
      }
      case 'resolve': {
        const v = nodeView(req.node_id);
        return v ? { type: 'resolve_ok', ...v } : { type: 'error', error: 'node not found' };
      }
      case 'request_handshake': {
        const list = pendingHandshakes.get(req.to_node_id) || [];
        list.push({ from_node_id: req.from_node_id, node_id: req.from_node_id, justification: req.justification || '', public_key: nodes.get(req.from_node_id)?.public_key || '' });
        pendingHandshakes.set(req.to_node_id, list);
        return { type: 'request_handshake_ok', status: 'relayed' };
      }
      case 'poll_handshakes': {
        const list = pendingHandshakes.get(req.node_id) || [];
        pendingHandshakes.set(req.node_id, []);
        return { type: 'poll_handshakes_ok', requests: list };
      }
      case 'respond_handshake':
        if (req.accept) { trust.add(`${req.node_id}:${req.peer_id}`); trust.add(`${req.peer_id}:${req.node_id}`); }
        return { type: 'respond_handshake_ok', status: req.accept ? 'approved' : 'rejected' };
      case 'report_trust':
        trust.add(`${req.node_id}:${req.peer_id}`);
        return { type: 'report_trust_ok' };
      case 'list_networks':
        return { type: 'list_networks_ok', networks: [] };
      case 'list_nodes':
        return { type: 'list_nodes_ok', nodes: [...nodes.keys()].map(nodeView) };
      case 'beacon_list':
        return { type: 'beacon_list_ok', beacons: [] };
      case 'deregister':
        nodes.delete(req.node_id);
        return { type: 'deregister_ok' };
      default:
        // Anything else: acknowledge, so optional features don't wedge the daemon.
        return { type: `${t}_ok` };
    }
  }

  const server = net.createServer((c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => {});
    let buf = Buffer.alloc(0);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4) {
        // A binary-protocol client announces itself with "PILT"; we only speak JSON.
        if (buf.subarray(0, 4).toString('latin1') === 'PILT') { log('binary client refused'); c.destroy(); return; }
        const n = buf.readUInt32BE(0);
        if (buf.length < 4 + n) break;
        const body = buf.subarray(4, 4 + n);
        buf = buf.subarray(4 + n);
        let req;
        try { req = JSON.parse(body.toString('utf8')); } catch { c.destroy(); return; }
        const resp = handle(req);
        log(`${JSON.stringify(req)} -> ${JSON.stringify(resp)}`);
        const out = Buffer.from(JSON.stringify(resp));
        const hdr = Buffer.alloc(4);
        hdr.writeUInt32BE(out.length);
        c.write(Buffer.concat([hdr, out]));
      }
    });
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
  const addr = `${host}:${server.address().port}`;
  return {
    addr,
    nodes,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

// CLI: node stub-registry.mjs [port]  — logs every request/response to stdout.
if (import.meta.url === `file://${process.argv[1]}`) {
  const reg = await startStubRegistry({ port: Number(process.argv[2] || 0), log: (l) => console.log(l) });
  console.log(`stub registry listening ${reg.addr}`);
}
