import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  METADATA_HOSTNAMES,
  checkWebhookUrl,
  isLoopbackAddress,
  refusedAddressReason,
  type UrlErrorCode,
  type UrlRuleOptions,
} from '../../src/shared/url-rules';
import { parseIPv4Loose, parseIPv6 } from '../../src/shared/ip-address';
import { everyMetadataAnswer, everyMetadataUrl } from '../fixtures/metadata-spellings';

type Case = [input: string, expected: UrlErrorCode | 'ok', opts?: UrlRuleOptions];

/** The daemon's own urlvalidate test table and regression tests, with the verdicts it gives. */
const REFERENCE_CASES: Case[] = [
  ['http://example.com/webhook', 'ok'],
  ['https://example.com/webhook', 'ok'],
  ['https://example.com:8443/path', 'ok'],
  ['https://example.com/hook?token=abc', 'ok'],
  ['http://1.2.3.4/hook', 'ok'],
  ['https://8.8.8.8/', 'ok'],
  ['https://hooks.slack.com/services/T00/B00/abc', 'ok'],
  ['ftp://example.com/', 'scheme'],
  ['grpc://example.com/', 'scheme'],
  ['file:///etc/passwd', 'scheme'],
  ['https:///path', 'host'],
  ['http://169.254.0.1/', 'link_local'],
  ['http://169.254.255.255/', 'link_local'],
  ['http://169.253.0.1/', 'ok'],
  ['http://[fe80::1]/', 'link_local'],
  ['https://[fe80::abcd%25eth0]/', 'link_local'],
  ['http://224.0.0.1/', 'link_local'],
  ['http://metadata.google.internal/', 'metadata'],
  ['http://metadata.google.com/', 'metadata'],
  ['http://METADATA.GOOGLE.INTERNAL/', 'metadata'],
  ['https://Metadata.Google.Internal/path', 'metadata'],
  ['http://ec2.internal/latest/meta-data/iam/security-credentials/', 'metadata'],
  ['http://instance-data-service.ec2.internal/', 'metadata'],
  ['http://EC2.Internal/', 'metadata'],
  ['http://metadata.azure.com/metadata/instance?api-version=2021-02-01', 'metadata'],
  ['http://[::ffff:169.254.169.254]/', 'link_local'],
  ['http://[ff02::1]/', 'link_local'],
];

/** The gaps of the daemon's own URL check (test/daemon/README.md), and the bypasses tried against them. */
const GAP_CASES: Case[] = [
  // loopback and LAN stay allowed: desktop users test there
  ['http://127.0.0.1:8080/hook', 'ok'],
  ['http://127.0.0.2/', 'ok'],
  ['http://localhost:3000/', 'ok'],
  ['http://[::1]:3000/', 'ok'],
  ['http://192.168.1.5/', 'ok'],
  ['http://10.0.0.7:5678/webhook', 'ok'],
  ['http://[fd12:3456::1]/', 'ok'],
  ['http://100.64.0.1/', 'ok'],
  // trailing dots
  ['http://metadata.google.internal./', 'metadata'],
  ['http://metadata.google.internal../', 'metadata'],
  ['http://ec2.internal./', 'metadata'],
  ['http://169.254.169.254./', 'link_local'],
  // numeric spellings the URL parser turns into 169.254.169.254
  ['http://2852039166/', 'link_local'],
  ['http://0251.0376.0251.0376/', 'link_local'],
  ['http://0xa9fea9fe/', 'link_local'],
  ['http://0xA9.0xFE.0xA9.0xFE/', 'link_local'],
  ['http://169.254.43518/', 'link_local'],
  ['http://169.16689662/', 'link_local'],
  // other host spellings that normalize to a metadata name
  ['http://ｍｅｔａｄａｔａ.google.internal/', 'metadata'],
  ['http://metadata%2Egoogle%2Einternal/', 'metadata'],
  ['http://metadata/computeMetadata/v1/', 'metadata'],
  // IPv6 forms embedding 169.254.169.254, and the AWS IPv6 metadata address
  ['http://[::ffff:a9fe:a9fe]/', 'link_local'],
  ['http://[0:0:0:0:0:ffff:169.254.169.254]/', 'link_local'],
  ['http://[::169.254.169.254]/', 'link_local'],
  ['http://[::ffff:0:a9fe:a9fe]/', 'link_local'],
  ['http://[64:ff9b::a9fe:a9fe]/', 'link_local'],
  ['http://[64:ff9b::169.254.169.254]/', 'link_local'],
  ['http://[64:ff9b:1:a9fe:a9:fe00::]/', 'link_local'],
  ['http://[2002:a9fe:a9fe::1]/', 'link_local'],
  ['http://[2001:0:4136:e378:8000:63bf:5601:5601]/', 'link_local'],
  ['http://[fe80::5efe:a9fe:a9fe]/', 'link_local'],
  ['http://[2001:db8::5efe:169.254.169.254]/', 'link_local'],
  ['http://[fd00:ec2::254]/', 'metadata'],
  ['http://100.100.100.200/latest/meta-data/', 'metadata'],
  // an embedding of an allowed address stays allowed
  ['http://[::ffff:127.0.0.1]/', 'ok'],
  ['http://[64:ff9b::808:808]/', 'ok'],
  ['http://[64:ff9b:1::808:808]/', 'ok'],
  ['http://[64:ff9b:1::a9fe:a9fe]/', 'link_local'],
  ['http://[64:ff9b:1:808:8:800::]/', 'ok'],
  // not a destination
  ['http://0.0.0.0/', 'host'],
  ['http://0/', 'host'],
  ['http://0.1.2.3/', 'host'],
  ['http://[::]/', 'host'],
  ['http://[::ffff:0.0.0.0]/', 'host'],
  ['http://239.255.255.250/', 'host'],
  ['http://255.255.255.255/', 'host'],
  ['http://[ff05::1]/', 'host'],
  ['http://224.0.0.251/', 'link_local'],
  ['http://[ff02::fb]/', 'link_local'],
  // userinfo never decides the host
  ['http://a@169.254.169.254', 'link_local'],
  ['http://example.com@169.254.169.254/', 'link_local'],
  ['http://a@b@169.254.169.254/', 'link_local'],
  ['http://user:pass@example.com/', 'credentials'],
  ['http://user@example.com/', 'credentials'],
  ['http://@example.com/', 'ok'],
  // not URLs, or not ours
  ['', 'empty'],
  ['   ', 'empty'],
  ['\t\n', 'empty'],
  ['http://', 'host'],
  ['https://', 'host'],
  ['http:///x', 'host'],
  ['ftp://x', 'scheme'],
  ['javascript:alert(1)', 'scheme'],
  ['data:text/plain,hi', 'scheme'],
  ['ws://example.com/', 'scheme'],
  ['localhost:8080/hook', 'scheme'],
  ['example.com/hook', 'malformed'],
  ['http://exa mple.com/', 'malformed'],
  ['http://[::1/', 'malformed'],
  ['http://example.com:99999/', 'malformed'],
  ['http://example.com:0/', 'malformed'],
  ['http://[fd00::1%25eth0]/', 'malformed'],
  ['http://[fe80::1%25eth0]/', 'link_local'],
  ['http://[fe80::1%eth0]/', 'link_local'],
  // own ports on loopback
  ['http://127.0.0.1:4545/ingest', 'own_port', { ownPorts: [4545] }],
  ['http://127.9.9.9:4545/', 'own_port', { ownPorts: [4545] }],
  ['http://localhost:4545/', 'own_port', { ownPorts: [4545] }],
  ['http://LOCALHOST.:4545/', 'own_port', { ownPorts: [4545] }],
  ['http://app.localhost:4545/', 'own_port', { ownPorts: [4545] }],
  ['http://[::1]:4545/', 'own_port', { ownPorts: [4545] }],
  ['http://[::ffff:7f00:1]:4545/', 'own_port', { ownPorts: [4545] }],
  ['http://2130706433:4545/', 'own_port', { ownPorts: [4545] }],
  ['http://localhost/', 'own_port', { ownPorts: [80] }],
  ['https://localhost/', 'ok', { ownPorts: [80] }],
  ['http://127.0.0.1:4546/', 'ok', { ownPorts: [4545] }],
  ['http://192.168.1.5:4545/', 'ok', { ownPorts: [4545] }],
  // strict: public addresses only
  ['https://8.8.8.8/', 'ok', { strict: true }],
  ['https://example.com/hook', 'ok', { strict: true }],
  ['http://[2606:4700:4700::1111]/', 'ok', { strict: true }],
  ['http://127.0.0.1/', 'not_public', { strict: true }],
  ['http://localhost/', 'not_public', { strict: true }],
  ['http://foo.localhost/', 'not_public', { strict: true }],
  ['http://[::1]/', 'not_public', { strict: true }],
  ['http://10.1.2.3/', 'not_public', { strict: true }],
  ['http://172.16.0.1/', 'not_public', { strict: true }],
  ['http://172.32.0.1/', 'ok', { strict: true }],
  ['http://192.168.1.5/', 'not_public', { strict: true }],
  ['http://100.64.0.1/', 'not_public', { strict: true }],
  ['http://198.18.0.1/', 'not_public', { strict: true }],
  ['http://192.0.2.1/', 'not_public', { strict: true }],
  ['http://240.0.0.1/', 'not_public', { strict: true }],
  ['http://[fd12:3456::1]/', 'not_public', { strict: true }],
  ['http://[fec0::1]/', 'not_public', { strict: true }],
  ['http://[2001:db8::1]/', 'not_public', { strict: true }],
  ['http://[::ffff:192.168.0.1]/', 'not_public', { strict: true }],
  ['http://[64:ff9b::a00:1]/', 'not_public', { strict: true }],
  ['http://[64:ff9b:1::808:808]/', 'not_public', { strict: true }],
  ['http://169.254.169.254/', 'link_local', { strict: true }],
  ['http://0.0.0.0/', 'host', { strict: true }],
];

/** Test titles: "input → expected", with the options when there are any. */
function named(cases: Case[]): [string, ...Case][] {
  return cases.map(([input, expected, opts]) => [
    `${JSON.stringify(input)} → ${expected}${opts ? ` ${JSON.stringify(opts)}` : ''}`,
    input,
    expected,
    opts,
  ]);
}

describe('checkWebhookUrl', () => {
  it.each(named(REFERENCE_CASES))('reference: %s', (_name, input, expected, opts) => {
    const result = checkWebhookUrl(input, opts);
    expect(result.ok ? 'ok' : result.code).toBe(expected);
  });

  it.each(named(GAP_CASES))('%s', (_name, input, expected, opts) => {
    const result = checkWebhookUrl(input, opts);
    expect(result.ok ? 'ok' : `${result.code}: ${result.message}`).toMatch(
      expected === 'ok' ? /^ok$/ : new RegExp(`^${expected}: `),
    );
  });

  it('returns the normalized URL', () => {
    expect(checkWebhookUrl('  HTTP://Example.COM:80/a b?x=1#f  ')).toEqual({
      ok: true,
      url: 'http://example.com/a%20b?x=1#f',
    });
    expect(checkWebhookUrl('http://0x7f.1:3000/hook')).toEqual({ ok: true, url: 'http://127.0.0.1:3000/hook' });
    expect(checkWebhookUrl('http://[0:0:0:0:0:0:0:1]:3000')).toEqual({ ok: true, url: 'http://[::1]:3000/' });
  });

  it('says what is wrong and what to do', () => {
    const metadataIp = checkWebhookUrl('http://169.254.169.254/latest/meta-data/');
    expect(metadataIp).toEqual({
      ok: false,
      code: 'link_local',
      message: "169.254.169.254 is a link-local address (cloud metadata service); use your receiver's own address",
    });
    const nat64 = checkWebhookUrl('http://[64:ff9b::a9fe:a9fe]/');
    expect(!nat64.ok && nat64.message).toMatch(/NAT64 form of 169\.254\.169\.254.*; use your receiver's own address$/);
    const own = checkWebhookUrl('http://127.0.0.1:4545/', { ownPorts: [4545] });
    expect(!own.ok && own.message).toMatch(/own ingest\/UI port; deliveries there would loop — use your receiver's port/);
    const strict = checkWebhookUrl('http://192.168.1.5/', { strict: true });
    expect(!strict.ok && strict.message).toMatch(/^192\.168\.1\.5 is a private address.*turn strict mode off$/);
    const unspecified = checkWebhookUrl('http://0.0.0.0:8080/');
    expect(!unspecified.ok && unspecified.message).toMatch(/not a destination.*use 127\.0\.0\.1/);
    const noScheme = checkWebhookUrl('localhost:8080/hook');
    expect(!noScheme.ok && noScheme.message).toContain('http://localhost:8080/hook');
    // Every refusal names a remedy after the "; ".
    for (const [input, expected, opts] of [...REFERENCE_CASES, ...GAP_CASES]) {
      const result = checkWebhookUrl(input, opts);
      if (expected !== 'ok' && !result.ok) expect(result.message).toMatch(/; \S/);
    }
  });

  it('refuses every metadata host name in any case and with a trailing dot', () => {
    for (const name of METADATA_HOSTNAMES) {
      for (const spelling of [name, name.toUpperCase(), `${name}.`]) {
        const result = checkWebhookUrl(`http://${spelling}/`);
        expect(result.ok ? 'ok' : result.code, spelling).toBe('metadata');
      }
    }
    // Sub-domains are real hosts (e.g. EC2 private DNS names); their addresses are checked at connect time.
    expect(checkWebhookUrl('http://ip-10-0-0-1.ec2.internal/').ok).toBe(true);
  });
});

describe('cloud metadata addresses outside link-local', () => {
  it.each(everyMetadataUrl().map((c) => [c.url, c.service] as const))('%s is refused as metadata', (url, service) => {
    const result = checkWebhookUrl(url);
    expect(result.ok ? 'ok' : result.code).toBe('metadata');
    expect(result.ok ? '' : result.message).toMatch(service);
    expect(result.ok ? '' : result.message).toMatch(/cloud metadata service.*; use your receiver's own address$/);
  });

  it.each(everyMetadataAnswer().map((c) => [c.spelled, c.service] as const))(
    'a resolver answer %s is refused as metadata',
    (address, service) => {
      expect(refusedAddressReason(address)).toMatch(service);
      expect(refusedAddressReason(address, { strict: true })).toMatch(/cloud metadata service/);
    },
  );

  it('their neighbours stay allowed by default', () => {
    for (const ok of ['fd00:ec2::255', 'fd20:ce::253', 'fd00:c1::a9fe:a9ff', '168.63.129.17', '192.0.0.193', '100.100.100.201']) {
      expect(refusedAddressReason(ok), ok).toBeNull();
    }
  });
});

describe('refusedAddressReason', () => {
  it.each([
    ['169.254.169.254', /link-local.*metadata/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['[fe80::1]', /link-local/],
    ['::ffff:169.254.169.254', /IPv4-mapped form of 169\.254\.169\.254/],
    ['64:ff9b::a9fe:a9fe', /NAT64 form of 169\.254\.169\.254/],
    ['fd00:ec2::254', /metadata/],
    ['0.0.0.0', /not a destination/],
    ['::', /not a destination/],
    ['224.0.0.251', /link-local multicast/],
    ['ff02::1', /link-local multicast/],
    ['2852039166', /link-local/],
    ['not-an-ip', /not an IP address/],
    ['', /not an IP address/],
  ])('%s is refused', (ip, reason) => {
    expect(refusedAddressReason(ip)).toMatch(reason);
  });

  it.each(['127.0.0.1', '::1', '192.168.1.5', '10.0.0.1', 'fd12::1', '8.8.8.8', '2606:4700::1111', '::ffff:7f00:1'])(
    '%s is allowed by default',
    (ip) => {
      expect(refusedAddressReason(ip)).toBeNull();
    },
  );

  it('refuses non-public addresses in strict mode only', () => {
    for (const ip of ['127.0.0.1', '::1', '192.168.1.5', '100.64.0.1', 'fd12::1', '::ffff:10.0.0.1']) {
      expect(refusedAddressReason(ip), ip).toBeNull();
      expect(refusedAddressReason(ip, { strict: true }), ip).toMatch(/strict mode/);
    }
    expect(refusedAddressReason('8.8.8.8', { strict: true })).toBeNull();
  });

  it('knows loopback in every spelling', () => {
    for (const ip of ['127.0.0.1', '127.255.0.9', '::1', '[::1]', '::ffff:127.0.0.1', '::127.0.0.1']) {
      expect(isLoopbackAddress(ip), ip).toBe(true);
    }
    for (const ip of ['128.0.0.1', '::2', '::ffff:10.0.0.1', 'localhost']) expect(isLoopbackAddress(ip), ip).toBe(false);
  });
});

describe('ip-address parsing', () => {
  const notIPv6 = ['', ':', ':::', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::', '::1.2.3'];
  it.each([...notIPv6, '::256.1.1.1', '1.2.3.4', 'fe80::1%eth0'])(
    'parseIPv6 refuses %j',
    (text) => {
      expect(parseIPv6(text)).toBeNull();
    },
  );

  it.each([
    ['::', '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0'],
    ['::1', '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1'],
    ['1:2:3:4:5:6:7:8', '0.1.0.2.0.3.0.4.0.5.0.6.0.7.0.8'],
    ['1:2:3:4:5:6:7::', '0.1.0.2.0.3.0.4.0.5.0.6.0.7.0.0'],
    ['::ffff:1.2.3.4', '0.0.0.0.0.0.0.0.0.0.255.255.1.2.3.4'],
    ['1:2:3:4:5:6:1.2.3.4', '0.1.0.2.0.3.0.4.0.5.0.6.1.2.3.4'],
  ])('parseIPv6(%j)', (text, bytes) => {
    expect(parseIPv6(text)?.join('.')).toBe(bytes);
  });

  it.each(['', '.', '1..2', '256.1.1.1', '1.2.3.4.5', '0x1g', '09', '4294967296', '1.16777216'])(
    'parseIPv4Loose refuses %j',
    (text) => {
      expect(parseIPv4Loose(text)).toBeNull();
    },
  );
});

/** URL-standard host parsing, which the rules rely on and must agree with. */
const whatwgHost = (host: string): string | null => {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
};

describe('properties', () => {
  const linkLocal = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }));
  const hex = (n: number, width = 0): string => n.toString(16).padStart(width, '0');

  it('every spelling of an address in 169.254.0.0/16 is refused', () => {
    fc.assert(
      fc.property(linkLocal, fc.boolean(), ([c, d], upper) => {
        const value = 169 * 2 ** 24 + 254 * 2 ** 16 + c * 256 + d;
        const h1 = hex(0xa9fe, 4);
        const h2 = hex(c * 256 + d, 4);
        const spellings = [
          `169.254.${c}.${d}`,
          `${value}`,
          `0x${hex(value)}`,
          `0${(169).toString(8)}.0${(254).toString(8)}.0${c.toString(8)}.0${d.toString(8)}`,
          `0xa9.0xfe.0x${hex(c)}.0x${hex(d)}`,
          `169.254.${c * 256 + d}`,
          `169.${254 * 65536 + c * 256 + d}`,
          `169.254.${c}.${d}.`,
          `[::ffff:169.254.${c}.${d}]`,
          `[::ffff:${h1}:${h2}]`,
          `[0:0:0:0:0:ffff:${h1}:${h2}]`,
          `[::${h1}:${h2}]`,
          `[64:ff9b::${h1}:${h2}]`,
          `[64:ff9b::169.254.${c}.${d}]`,
          `[2002:${h1}:${h2}::]`,
        ].map((s) => (upper ? s.toUpperCase() : s));
        for (const host of spellings) {
          const result = checkWebhookUrl(`http://${host}/hook`);
          expect(result.ok ? 'ok' : result.code, host).toBe('link_local');
          const literal = whatwgHost(host);
          expect(literal, host).not.toBeNull();
          expect(refusedAddressReason(literal as string), host).toMatch(/link-local/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads numeric IPv4 forms exactly as the URL standard does', () => {
    const part = fc.oneof(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((n) => `${n}`),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((n) => `0x${n.toString(16)}`),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((n) => `0${n.toString(8)}`),
      fc.integer({ min: 0, max: 255 }).map((n) => `${n}`),
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const text = parts.join('.');
        const viaUrl = whatwgHost(text);
        const ours = parseIPv4Loose(text);
        expect(ours === null ? null : ours.join('.')).toBe(viaUrl);
      }),
      { numRuns: 500 },
    );
  });

  it('parses IPv6 text to the same address as the URL standard', () => {
    const groupsOf = (bytes: readonly number[]): string =>
      Array.from({ length: 8 }, (_, i) => (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16)).join(':');
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const bytes = parseIPv6(text);
        expect(bytes, text).not.toBeNull();
        expect(whatwgHost(`[${groupsOf(bytes ?? [])}]`), text).toBe(whatwgHost(`[${text}]`));
      }),
      { numRuns: 500 },
    );
  });
});
