import { describe, expect, it } from 'vitest';
import { eventLine, eventSeverity, formatBytes, hasOwnLine } from '../../src/shared/event-lines';
import { KNOWN_TOPICS } from '../../src/shared/known-topics';
import { everyTopicSample, sampleEvent } from '../fixtures/sample-events';

describe('event lines', () => {
  it('has a line of its own for every topic the daemon publishes', () => {
    for (const t of [...KNOWN_TOPICS, 'policy.x', 'plugin.p.panic', 'plugin.p.unhealthy', 'L7.panic']) expect(hasOwnLine(t), t).toBe(true);
  });

  it('reads the real daemon events as a person would', () => {
    const line = (t: string) => eventLine(sampleEvent(t));
    expect(line('handshake.approved')).toBe('Node 42: trust handshake from node 2 approved');
    expect(line('trust.changed')).toBe('Node 42: trust with node 2 granted (approved)');
    expect(line('tunnel.established')).toBe('Node 42: encrypted tunnel established (direct, authenticated)');
    expect(line('message.received')).toBe('Node 42: message from 0:0000.0000.0002 (8 bytes, TEXT)');
    expect(line('conn.syn_received')).toBe('Node 42: connection request from 0:0000.0000.0002 to port 7');
    expect(line('conn.fin')).toBe('Node 42: connection with 0:0000.0000.0002 on port 49152 closed');
    expect(line('daemon.shutting_down')).toBe('Node 42: daemon shutting down after 42 s (1 known peer, 0 open connections)');
    expect(line('node.registered')).toBe('Node 42: registered as 0:0000.0000.0001 (127.0.0.1:46259)');
    expect(line('syn.rejected')).toBe('Node 42: refused a connection to port 444');
    expect(line('tunnel.path_suspect')).toBe('Node 42: path to node 7 suspect, silent for 45 s, 3 probes unanswered: resetting it');
    expect(line('handshake.received')).toBe('Node 42: trust handshake request from node 7: “let us talk”');
    expect(eventLine(sampleEvent('plugin.dataexchange.panic', 1, { error: 'nil map' }))).toBe('Node 42: plugin dataexchange crashed and was recovered: nil map');
  });

  it('degrades gracefully: missing, null or mistyped data never prints undefined or [object Object]', () => {
    for (const ev of everyTopicSample()) {
      for (const data of [undefined, null, {}, [], 'text', { peer_node_id: { a: 1 }, size: 'big', from: 7, src_addr: null }]) {
        const line = eventLine({ ...ev, data });
        expect(line, `${ev.event} ${JSON.stringify(data)}`).not.toMatch(/undefined|null|\[object|NaN/);
        expect(line.startsWith('Node 42: ')).toBe(true);
      }
    }
  });

  it('an unknown topic reads "<topic> on node <id>"', () => {
    expect(eventLine({ event: 'weird.thing', node_id: 9 })).toBe('weird.thing on node 9');
    expect(eventLine({ event: 'Tunnel.panic', node_id: 9 })).toBe('Tunnel.panic on node 9');
    expect(eventLine({ event: 'weird.thing' })).toBe('weird.thing on node ?');
  });

  it('keeps quoted data on one line and bounded', () => {
    const line = eventLine(sampleEvent('message.received', 1, { from: `a\nb\u0000c${'z'.repeat(500)}` }));
    expect(line).not.toContain('\n');
    expect(line).not.toContain(String.fromCharCode(0));
    expect(line.length).toBeLessThan(200);
  });

  it('rates severity and sizes', () => {
    expect(eventSeverity('L7.panic')).toBe('error');
    expect(eventSeverity('conn.dead_peer')).toBe('warning');
    expect(eventSeverity('conn.fin')).toBe('info');
    expect(formatBytes(8)).toBe('8 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
  });
});
