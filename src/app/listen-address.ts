// The internal listener's address as a URL (`http://host:port`, IPv6 in brackets), from what
// node's server.address() returns.
import type { AddressInfo } from 'node:net';

export function listenAddress(bound: AddressInfo | string | null): string {
  if (bound === null || typeof bound === 'string') return String(bound);
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return `http://${host}:${bound.port}`;
}
