import type { Request } from 'express';
import { describe, expect, test } from 'vitest';
import { clientIp } from '../../src/api/middleware/client-ip.ts';
import { parseCidr } from '../../src/shared/security/cidr.ts';

const req = (peer: string, xff?: string) => ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as Request;
const trusted = { TRUSTED_PROXIES: ['127.0.0.1', '::1', '10.0.0.0/8'] };

describe('clientIp', () => {
  test('X-Forwarded-For is ignored unless the peer is a trusted proxy', () => {
    expect(clientIp(req('198.51.100.1', '203.0.113.7'), trusted)).toBe('198.51.100.1');
    expect(clientIp(req('127.0.0.1', '203.0.113.7'), { TRUSTED_PROXIES: [] })).toBe('127.0.0.1');
  });
  test('from a trusted proxy: the right-most address that is not a trusted proxy', () => {
    expect(clientIp(req('127.0.0.1', '203.0.113.7'), trusted)).toBe('203.0.113.7');
    expect(clientIp(req('127.0.0.1', '1.1.1.1, 203.0.113.7, 10.1.2.3'), trusted)).toBe('203.0.113.7');
    expect(clientIp(req('::ffff:10.0.0.5', '203.0.113.7, 10.0.0.9'), trusted)).toBe('203.0.113.7');
    expect(clientIp(req('127.0.0.1', '10.0.0.1, 10.0.0.2'), trusted)).toBe('10.0.0.1');
    expect(clientIp(req('127.0.0.1'), trusted)).toBe('127.0.0.1');
  });
  test('IPv4-mapped IPv6 becomes IPv4; ports are dropped; junk falls back to the peer', () => {
    expect(clientIp(req('::ffff:198.51.100.1'), trusted)).toBe('198.51.100.1');
    expect(clientIp(req('127.0.0.1', '::ffff:203.0.113.7'), trusted)).toBe('203.0.113.7');
    expect(clientIp(req('127.0.0.1', '203.0.113.7:5555'), trusted)).toBe('203.0.113.7');
    expect(clientIp(req('127.0.0.1', '[2001:db8::1]:80'), trusted)).toBe('2001:db8::1');
    expect(clientIp(req('127.0.0.1', '203.0.113.7, garbage'), trusted)).toBe('127.0.0.1');
  });
});

describe('parseCidr', () => {
  test('addresses and ranges in; legacy and malformed forms out', () => {
    expect(parseCidr('10.0.0.0/8')?.map(String)).toEqual(['10.0.0.0', '8']);
    expect(parseCidr('1.2.3.4')?.map(String)).toEqual(['1.2.3.4', '32']);
    expect(parseCidr('::/0')?.map(String)).toEqual(['::', '0']);
    for (const bad of ['10.1/8', '300.1.1.1/8', '1.2.3.4/33', '::1/129', 'banana', '1.2.3.4/8/1', '1.2.3.4/ 8', '0x7f.0.0.1', '']) expect(parseCidr(bad), bad).toBeUndefined();
  });
});
