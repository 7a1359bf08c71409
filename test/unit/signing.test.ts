import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import {
  PILOT_SIGNATURE_HEADER,
  generateSecret,
  pilotSignature,
  secretHint,
  signatureHeaders,
  standardSignature,
} from '../../src/main/core/delivery/signing';

// The Standard Webhooks specification's published test vector.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('signing', () => {
  it('reproduces the Standard Webhooks test vector exactly', () => {
    expect(standardSignature(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload)).toBe(VECTOR.signature);
    expect(signatureHeaders(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload)['webhook-signature']).toBe(
      VECTOR.signature,
    );
  });

  it('signs what the standardwebhooks library verifies, with a whsec_ secret', () => {
    const secret = generateSecret();
    const body = '{"event_id":7,"event":"conn.established","data":{"é":"ü"}}';
    const ts = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders(secret, 'msg_abc_7', ts, body);
    expect(headers['webhook-id']).toBe('msg_abc_7');
    expect(headers['webhook-timestamp']).toBe(String(ts));
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // Another secret must not verify: the check can fail.
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
    // Nor a changed body.
    expect(() => new Webhook(secret).verify(body.replace('7', '8'), headers)).toThrow();
  });

  it('keys a secret without the whsec_ prefix with its raw UTF-8 bytes', () => {
    const secret = 'plain passphrase, not base64 ✓';
    const body = '{"a":1}';
    const ts = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders(secret, 'msg_1', ts, body);
    expect(new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' }).verify(body, headers)).toEqual({ a: 1 });
  });

  it('X-Pilot-Signature-256 is the Go plugin\'s: lowercase hex HMAC-SHA256 of the body, keyed with the secret bytes', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"event_id":1,"event":"node.registered","node_id":3,"timestamp":"2025-01-01T00:00:00Z"}';
    // Go: hex.EncodeToString(hmac.New(sha256.New, []byte(secret)).Sum(body)) — the whole string, prefix included.
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex');
    const headers = signatureHeaders(secret, 'msg_1', 1, body);
    expect(PILOT_SIGNATURE_HEADER).toBe('X-Pilot-Signature-256');
    expect(headers[PILOT_SIGNATURE_HEADER]).toBe(expected);
    expect(pilotSignature(secret, body)).toMatch(/^[0-9a-f]{64}$/);
    // Values printed by Go's crypto/hmac + encoding/hex (go run, the plugin's exact calls).
    expect(expected).toBe('8536a0055c7fa09ff691dd156c1b0b8ac30d5a3975843d05d5d8c946eac4806e');
    expect(pilotSignature('pässwörd', '{"event":"x","data":"✓"}')).toBe(
      '409e3700328f1da963db4f90f28b2c94f80a71b04a360b309514d2db5fc7951e',
    );
    expect(pilotSignature('secret', '{}')).not.toBe(pilotSignature('secret', '{ }'));
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('hints at a secret without revealing it', () => {
    expect(secretHint('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe('whsec_…LaSw');
    expect(secretHint('a-long-plain-secret-value')).toBe('…alue');
    expect(secretHint('short')).toBe('…');
  });
});
