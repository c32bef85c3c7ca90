// The probe's HTTP client: node:http with a keep-alive agent, so an engine that keeps its
// connection open is probed on the same socket every round (a new TCP connection per probe
// costs a connect and a socket's garbage each second per engine; `fetch` adds web streams).
// An engine that closes after each answer (busybox httpd) just gets a new one.
import { Agent, request } from 'node:http';
import type { FetchLike } from './health-probe.worker.js';

export interface KeepAliveProbeClient {
  readonly fetch: FetchLike;
  /** Closes the idle sockets (worker stop). */
  close(): void;
}

export function keepAliveProbeClient(): KeepAliveProbeClient {
  // One socket per engine is enough: a game is probed once per round.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 1_000 });
  const fetch: FetchLike = (url, { signal }) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const req = request(url, { agent, method: 'GET', signal }, (res) => {
        const status = res.statusCode ?? 0;
        // The body is not read: drain it so the socket can be reused.
        res.resume();
        res.once('end', () => resolve({ ok: status >= 200 && status < 300, status, body: null }));
        res.once('error', (err) => reject(signal.aborted ? signal.reason : err));
      });
      req.once('error', (err) => reject(signal.aborted ? signal.reason : err));
      req.end();
    });
  return { fetch, close: () => agent.destroy() };
}
