import { describe, expect, it } from 'vitest';
import { listenAddress } from '../../src/app/listen-address.js';

describe('listenAddress', () => {
  it('formats IPv4 and bracketed IPv6 addresses as URLs, and passes a pipe name through', () => {
    expect(listenAddress({ address: '127.0.0.1', family: 'IPv4', port: 8090 })).toBe('http://127.0.0.1:8090');
    expect(listenAddress({ address: '::1', family: 'IPv6', port: 41000 })).toBe('http://[::1]:41000');
    expect(listenAddress('/tmp/rtm.sock')).toBe('/tmp/rtm.sock');
  });
});
