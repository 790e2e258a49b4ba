import type { IncomingMessage } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { addressKey, compileTrustProxy, createClientAddress } from './client-ip.js';

/** What the client address reads of a request: the TCP peer and the headers, as Node hands them over. */
const request = (peer: string | undefined, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

const loopback = createClientAddress(compileTrustProxy(['loopback']));

describe('the client address (TRUST_PROXY=loopback, the default)', () => {
  it('is the TCP peer when no proxy speaks for it', () => {
    expect(loopback(request('203.0.113.7'))).toBe('203.0.113.7');
    expect(loopback(request('127.0.0.1'))).toBe('127.0.0.1');
  });

  it("ignores an untrusted peer's X-Forwarded-For, however it is spelled", () => {
    expect(loopback(request('203.0.113.7', '198.51.100.1'))).toBe('203.0.113.7');
    expect(loopback(request('203.0.113.7', '127.0.0.1'))).toBe('203.0.113.7');
    expect(loopback(request('203.0.113.7', '198.51.100.1, 198.51.100.2'))).toBe('203.0.113.7');
    // A peer on the local network is not a proxy on this machine.
    expect(loopback(request('10.0.0.5', '198.51.100.1'))).toBe('10.0.0.5');
    expect(loopback(request('::ffff:10.0.0.5', '198.51.100.1'))).toBe('10.0.0.5');
  });

  it.each(['127.0.0.1', '127.0.3.4', '::1', '::ffff:127.0.0.1'])(
    'trusts a proxy on loopback (%s) and takes the last hop, the address that proxy saw',
    (proxy) => {
      expect(loopback(request(proxy, '198.51.100.1'))).toBe('198.51.100.1');
      // The client may send its own X-Forwarded-For; the proxy appends the real peer last.
      expect(loopback(request(proxy, '6.6.6.6, 198.51.100.1'))).toBe('198.51.100.1');
      expect(loopback(request(proxy, ' 6.6.6.6 ,  198.51.100.1  '))).toBe('198.51.100.1');
    },
  );

  it('walks on through hops that are themselves trusted (two proxies on this machine)', () => {
    expect(loopback(request('127.0.0.1', '6.6.6.6, 198.51.100.1, 127.0.0.1'))).toBe('198.51.100.1');
  });

  it('falls back to the proxy itself when the header names nobody', () => {
    expect(loopback(request('127.0.0.1', ''))).toBe('127.0.0.1');
    expect(loopback(request('127.0.0.1', ' , '))).toBe('127.0.0.1');
  });

  it('writes an IPv4-mapped IPv6 address as plain IPv4, from the peer and from the header alike', () => {
    expect(loopback(request('::ffff:203.0.113.7'))).toBe('203.0.113.7');
    expect(loopback(request('::1', '::ffff:198.51.100.1'))).toBe('198.51.100.1');
  });

  it('keys an IPv6 client by its /64, from the peer and through a proxy alike', () => {
    expect(loopback(request('2001:db8:1:2::7'))).toBe('2001:db8:1:2::/64');
    expect(loopback(request('127.0.0.1', '2001:db8:1:2:aaaa:bbbb:cccc:dddd'))).toBe('2001:db8:1:2::/64');
  });

  it('names a request whose peer is gone (socket already closed) "unknown", not one shared by everyone', () => {
    expect(loopback(request(undefined))).toBe('unknown');
    expect(loopback(request(undefined, '198.51.100.1'))).toBe('unknown');
  });
});

describe('TRUST_PROXY beyond loopback', () => {
  it('trusts a proxy on another machine named by its range, and nobody else', () => {
    const behindLb = createClientAddress(compileTrustProxy(['10.0.0.0/8', '2001:db8:ffff::/48']));
    expect(behindLb(request('10.1.2.3', '198.51.100.1'))).toBe('198.51.100.1');
    expect(behindLb(request('::ffff:10.1.2.3', '198.51.100.1'))).toBe('198.51.100.1');
    expect(behindLb(request('2001:db8:ffff::5', '198.51.100.1'))).toBe('198.51.100.1');
    // Loopback is no longer trusted once the list does not name it.
    expect(behindLb(request('127.0.0.1', '198.51.100.1'))).toBe('127.0.0.1');
    expect(behindLb(request('192.168.1.1', '198.51.100.1'))).toBe('192.168.1.1');
  });

  it('takes single addresses and the keywords, in any mix', () => {
    const mixed = createClientAddress(compileTrustProxy(['uniquelocal', '203.0.113.9']));
    expect(mixed(request('203.0.113.9', '198.51.100.1'))).toBe('198.51.100.1');
    expect(mixed(request('192.168.1.1', '198.51.100.1'))).toBe('198.51.100.1');
    expect(mixed(request('203.0.113.10', '198.51.100.1'))).toBe('203.0.113.10');
  });

  it('trusts nobody when the list is empty: the peer is the client', () => {
    const none = createClientAddress(compileTrustProxy([]));
    expect(none(request('127.0.0.1', '198.51.100.1'))).toBe('127.0.0.1');
  });

  it.each(['localhost', '10.0.0.0/33', '1', '10.0.0.1/x', 'true', '*'])('refuses "%s"', (entry) => {
    expect(() => compileTrustProxy([entry])).toThrow(TypeError);
  });

  it("gives Express's req.ip the same answer as the socket layer", async () => {
    const trust = compileTrustProxy(['10.0.0.0/8', 'loopback']);
    const app = express();
    app.set('trust proxy', trust);
    const cases: [string, string | undefined][] = [
      ['127.0.0.1', '6.6.6.6, 198.51.100.1'],
      ['10.2.2.2', '6.6.6.6, 10.9.9.9, 198.51.100.1'],
      ['10.2.2.2', '6.6.6.6, 10.9.9.9'],
      ['203.0.113.1', '198.51.100.1'],
      ['::ffff:10.2.2.2', '198.51.100.1'],
    ];
    for (const [peer, forwardedFor] of cases) {
      const req = Object.setPrototypeOf(request(peer, forwardedFor), app.request) as { ip?: string };
      expect(createClientAddress(trust)(req as unknown as IncomingMessage), `${peer} ← ${forwardedFor}`).toBe(
        addressKey(req.ip ?? ''),
      );
    }
  });
});

describe('addressKey', () => {
  it('keeps IPv4 as it is and writes IPv4-mapped IPv6 as IPv4', () => {
    expect(addressKey('198.51.100.1')).toBe('198.51.100.1');
    expect(addressKey('::ffff:198.51.100.1')).toBe('198.51.100.1');
    expect(addressKey('::ffff:c633:6401')).toBe('198.51.100.1');
  });

  it('keys every address of one IPv6 /64 the same, however it is spelled, and other /64s apart', () => {
    const same = ['2001:db8:0:1::1', '2001:db8:0:1:ffff:ffff:ffff:ffff', '2001:0DB8:0000:0001:0:0:0:9'];
    expect(new Set(same.map(addressKey))).toEqual(new Set(['2001:db8:0:1::/64']));
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('2001:db8:0:2::1')).not.toBe(addressKey('2001:db8:0:1::1'));
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });

  it('leaves what is not an address as it is', () => {
    expect(addressKey('unknown')).toBe('unknown');
    expect(addressKey('::ffff:2001:db8::1')).toBe('::ffff:2001:db8::1');
  });
});
