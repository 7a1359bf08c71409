import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskUrlCredentials } from '../../src/shared/url-mask';

describe('maskUrlCredentials', () => {
  it.each([
    ['http://alice:s3cret@example.com/hook', 'http://***@example.com/hook'],
    ['https://TOKEN123@hooks.example.com/x?y=1', 'https://***@hooks.example.com/x?y=1'],
    ['http://a@b@169.254.169.254/', 'http://***@169.254.169.254/'],
    ['http://user:p%40ss@host:8080', 'http://***@host:8080'],
    ['http:alice:pw@host/', 'http:***@host/'],
    ['HTTP://Alice:PW@Host/', 'HTTP://***@Host/'],
    ['http://\\alice:pw@host/', 'http://\\***@host/'],
    ['http://ali\nce:pw@host/', 'http://***@host/'],
    ['ftp://u:p@files.example/', 'ftp://***@files.example/'],
    ['custom+scheme://u:p@x/', 'custom+scheme://***@x/'],
    [
      "The daemon's webhook URL http://bob:hunter2@127.0.0.1:9/hook was not imported: the URL contains a user name or password",
      "The daemon's webhook URL http://***@127.0.0.1:9/hook was not imported: the URL contains a user name or password",
    ],
    ['two: http://a:1@x/ and https://b:2@y/', 'two: http://***@x/ and https://***@y/'],
  ])('%j → %j', (input, masked) => {
    expect(maskUrlCredentials(input)).toBe(masked);
  });

  it.each([
    'http://example.com/hook',
    'https://example.com/path@not-userinfo',
    'https://example.com/?email=bob@example.org',
    'http://example.com#frag@x',
    'write to bob@example.org',
    'no URL here',
    '',
  ])('leaves %j as it is', (text) => {
    expect(maskUrlCredentials(text)).toBe(text);
  });

  it('never lets a password the URL parser would read through, inside any message', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=%-]{1,12}$/);
    fc.assert(
      fc.property(part, part, fc.domain(), fc.constantFrom('http', 'https'), fc.string(), (user, password, host, scheme, around) => {
        const url = `${scheme}://${user}:${password}@${host}/hook`;
        const parsed = new URL(url);
        fc.pre(parsed.password !== '' && !around.includes(password));
        const masked = maskUrlCredentials(`${around} ${url} ${around}`);
        expect(masked).not.toContain(`${user}:${password}@`);
        expect(masked).toContain(`${scheme}://***@${host}/hook`);
      }),
      { numRuns: 300 },
    );
  });
});
