// dockerode loads ssh2 (docker-modem's ssh:// transport) and @grpc/grpc-js + proto-loader
// (dockerode's BuildKit session) when it is imported, though RTM talks to Docker over
// unix:// or tcp:// and never builds: ~20 MB of RSS and ~0.3 s of start per process
// (docs/benchmark.md). Both are reached through one internal module exporting one function;
// this puts a stand-in for each in the CommonJS cache that loads the real one on first call.
// Imported for its effect by docker-client.factory.ts, before dockerode.
import Module, { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function deferModule(resolvedPath: string): void {
  if (require.cache[resolvedPath]) return;
  let real: ((...args: unknown[]) => unknown) | null = null;
  const deferred = function (this: unknown, ...args: unknown[]): unknown {
    if (real === null) {
      delete require.cache[resolvedPath];
      real = require(resolvedPath) as (...args: unknown[]) => unknown;
      require.cache[resolvedPath] = stand;
    }
    return real.apply(this, args);
  };
  const stand = new Module(resolvedPath);
  stand.filename = resolvedPath;
  stand.loaded = true;
  stand.exports = deferred;
  require.cache[resolvedPath] = stand;
}

const dockerodeMain = require.resolve('dockerode');
const fromDockerode = createRequire(dockerodeMain);
deferModule(fromDockerode.resolve('./session.js'));
deferModule(createRequire(fromDockerode.resolve('docker-modem')).resolve('./ssh.js'));
