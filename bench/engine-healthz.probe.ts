// Time to healthy: the engine's /healthz on its IP on the game network, polled every few
// milliseconds from the host (the bench, like RTM on the host, cannot resolve the DNS name).
import http from 'node:http';
import type Dockerode from 'dockerode';

const POLL_INTERVAL_MS = 5;
const ATTEMPT_TIMEOUT_MS = 1_000;

export async function containerIp(dockerode: Dockerode, containerId: string, network: string): Promise<string> {
  const info = await dockerode.getContainer(containerId).inspect();
  const ip = info.NetworkSettings?.Networks?.[network]?.IPAddress;
  if (!ip) throw new Error(`container ${containerId.slice(0, 12)} has no address on ${network}`);
  return ip;
}

/** Resolves at the first 200; throws when none came before the deadline. */
export async function waitForHealthz(ip: string, port: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if ((await healthzStatus(ip, port)) === 200) return;
    if (Date.now() > deadline) throw new Error(`engine at ${ip}:${port} did not answer 200 on /healthz within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

function healthzStatus(ip: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    // agent: false — a fresh connection per attempt, no pooled socket to a dead engine.
    const req = http.get({ host: ip, port, path: '/healthz', agent: false, timeout: ATTEMPT_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}
