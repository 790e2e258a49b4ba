import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientIp } from './client-ip.js';

/** What clientIp reads of a request: the TCP peer and the headers, as Node hands them over. */
const request = (peer: string | undefined, forwardedFor?: string | string[]) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe('clientIp', () => {
  it('is the TCP peer when no proxy speaks for it', () => {
    expect(clientIp(request('203.0.113.7'))).toBe('203.0.113.7');
    expect(clientIp(request('2001:db8::1'))).toBe('2001:db8::1');
    expect(clientIp(request('127.0.0.1'))).toBe('127.0.0.1');
  });

  it("ignores an untrusted peer's X-Forwarded-For, however it is spelled", () => {
    expect(clientIp(request('203.0.113.7', '198.51.100.1'))).toBe('203.0.113.7');
    expect(clientIp(request('203.0.113.7', '127.0.0.1'))).toBe('203.0.113.7');
    expect(clientIp(request('203.0.113.7', ['198.51.100.1', '198.51.100.2']))).toBe('203.0.113.7');
    // A peer on the local network is not a proxy on this machine.
    expect(clientIp(request('10.0.0.5', '198.51.100.1'))).toBe('10.0.0.5');
    expect(clientIp(request('::ffff:10.0.0.5', '198.51.100.1'))).toBe('10.0.0.5');
  });

  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1'])(
    'trusts a proxy on loopback (%s) and takes the last hop, the address that proxy saw',
    (proxy) => {
      expect(clientIp(request(proxy, '198.51.100.1'))).toBe('198.51.100.1');
      // The client may send its own X-Forwarded-For; the proxy appends the real peer last.
      expect(clientIp(request(proxy, '6.6.6.6, 198.51.100.1'))).toBe('198.51.100.1');
      expect(clientIp(request(proxy, ' 6.6.6.6 ,  198.51.100.1  '))).toBe('198.51.100.1');
      // Repeated headers count as one list, in order.
      expect(clientIp(request(proxy, ['6.6.6.6', '198.51.100.1']))).toBe('198.51.100.1');
    },
  );

  it('falls back to the proxy itself when the last hop is missing or not an address', () => {
    expect(clientIp(request('127.0.0.1', ''))).toBe('127.0.0.1');
    expect(clientIp(request('127.0.0.1', '198.51.100.1, '))).toBe('127.0.0.1');
    expect(clientIp(request('127.0.0.1', '198.51.100.1, evil.example'))).toBe('127.0.0.1');
    expect(clientIp(request('127.0.0.1', '198.51.100.1, 198.51.100.2:4444'))).toBe('127.0.0.1');
    expect(clientIp(request('::ffff:127.0.0.1', 'unknown'))).toBe('127.0.0.1');
  });

  it('writes an IPv4-mapped IPv6 address as plain IPv4, from the peer and from the header alike', () => {
    expect(clientIp(request('::ffff:203.0.113.7'))).toBe('203.0.113.7');
    expect(clientIp(request('::1', '::ffff:198.51.100.1'))).toBe('198.51.100.1');
    // A genuine IPv6 address stays as it is, also through a proxy.
    expect(clientIp(request('127.0.0.1', '2001:db8::42'))).toBe('2001:db8::42');
    expect(clientIp(request('::ffff:2001:db8::1'))).toBe('::ffff:2001:db8::1');
  });

  it('names a request whose peer is gone (socket already closed) "unknown", not one shared by everyone', () => {
    expect(clientIp(request(undefined))).toBe('unknown');
    expect(clientIp(request(undefined, '198.51.100.1'))).toBe('unknown');
  });
});
