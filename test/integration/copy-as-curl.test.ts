// "Copy as curl", run the way a user runs it: the copied text through `bash -c`, with a stub
// `curl` first on PATH that prints its argv one per line (NUL-separated). The body must reach
// curl byte for byte — bidi and control characters included — while the copied text itself holds
// none of them raw (U+202E would reorder it on screen; U+009B is CSI to some terminals).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { curlCommand } from '../../src/renderer/request-preview';
import type { DeliveryRecord } from '../../src/shared/delivery';
import { hasUnsafeChars } from '../../src/shared/safe-text';

const bin = mkdtempSync(join(tmpdir(), 'stub-curl-'));
writeFileSync(join(bin, 'curl'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done\n');
chmodSync(join(bin, 'curl'), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function runCopied(command: string): string[] {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', command], {
    env: { PATH: `${bin}:/usr/bin:/bin`, LANG: 'C', HOME: bin },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

const record = (payload: string, url = 'http://127.0.0.1:9/hook'): DeliveryRecord => ({
  id: 1, event: 'x', receivedAt: 0, outcome: 'failed', url, attempts: [], payload, source: 'daemon',
});

describe('Copy as curl through bash -c', () => {
  const nasty = [
    JSON.stringify({ event: '\u202Efdp.exe', data: { note: "it's \\ \"quoted\" $HOME `id`" } }),
    `{"event":"a","data":"line\u2028sep\u2029para \u009b31m csi \u001b[2J esc \u0000nul? no"}`.replace('\u0000', ''),
    '{"event":"plain","data":{"n":1}}',
    `{"data":"tab\tnewline\nrtl مرحبا \u200b zw"}`,
  ];
  it.each(nasty.map((p) => [p]))('passes the body byte for byte and copies no raw control character: %j', (payload) => {
    const command = curlCommand(record(payload))!;
    expect(hasUnsafeChars(command.replace(/ \\\n {2}/g, ' '))).toBe(false);
    const argv = runCopied(command);
    expect(argv).toEqual([
      '-X', 'POST', 'http://127.0.0.1:9/hook',
      '-H', 'Content-Type: application/json',
      '-H', 'User-Agent: pilot-webhook-desktop',
      '--data-raw', payload,
    ]);
  });

  it('a chat destination’s shaped body goes out as its format sent it, with its content type', () => {
    const shaped = { body: 'Tunnel up: alpha \u202e', contentType: 'text/plain; charset=utf-8' };
    const argv = runCopied(curlCommand(record('{"event":"tunnel.established"}'), shaped)!);
    expect(argv.slice(3)).toEqual(['-H', 'Content-Type: text/plain; charset=utf-8', '-H', 'User-Agent: pilot-webhook-desktop', '--data-raw', shaped.body]);
  });

  it('a URL with a quote or a bidi character is quoted the same way', () => {
    const url = "http://127.0.0.1:9/a'b\u202ec";
    const argv = runCopied(curlCommand(record('{}', url))!);
    expect(argv[2]).toBe(url);
  });
});
