// What the private-server helpers (private-postgres, private-redis, docker-socket-proxy)
// share: a free local port, a poll-until-ready, and an exit guard so that a crashed or
// interrupted test run never leaves one of them running.
import net from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (bind :0, read it, close). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, opts: { timeoutMs: number; message: () => string }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(opts.message());
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exitHooks = new Set<() => void>();
let installed = false;

/**
 * Runs `hook` (synchronously) when this process exits or is interrupted, whatever the test
 * outcome: the last line of defence behind afterEach/afterAll. Returns an unregister function.
 */
export function onProcessExit(hook: () => void): () => void {
  exitHooks.add(hook);
  if (!installed) {
    installed = true;
    const runAll = () => {
      for (const h of exitHooks) {
        try {
          h();
        } catch {
          // best effort: keep running the others
        }
      }
      exitHooks.clear();
    };
    process.on('exit', runAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        runAll();
        process.exit(130);
      });
    }
  }
  return () => exitHooks.delete(hook);
}
