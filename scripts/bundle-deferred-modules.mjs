// The one performance measure of RTM that relies on libraries' internals, kept behind this
// seam and pinned to the versions it was checked against (test/build/bundle-deferred-modules.pin.test.ts
// fails, naming the measure, when an installed version or the internal differs).
//
// dockerode's BuildKit session (@grpc/grpc-js, proto-loader, protobufjs) and docker-modem's
// ssh:// transport (ssh2) are loaded when dockerode is imported, though RTM talks to Docker
// over unix:// or tcp:// and never builds. In the bundle (scripts/build-dist.mjs) each of the
// two modules that import them is replaced by a stand-in that loads the real module from
// node_modules on first call. Measured: docs/benchmark.md ("Performance measures and their seams").
// The modules start path (tracing on) loads them as the libraries do.

/**
 * What each deferral relies on: the module's path inside its package (not a public entry
 * point), that it exports one function, and that its package reaches it only by calling
 * that function (`callPattern` is the only use of `binding` in `importer`).
 */
export const DEFERRED_MODULES = [
  {
    measure: "the bundle defers docker-modem's ssh:// transport (ssh2)",
    package: 'docker-modem',
    version: '5.0.7',
    file: 'lib/ssh.js',
    importer: 'lib/modem.js',
    binding: 'ssh',
    requirePattern: /\bssh = require\('\.\/ssh'\)/,
    callPattern: /\bssh\(/,
  },
  {
    measure: "the bundle defers dockerode's BuildKit session (@grpc/grpc-js, @grpc/proto-loader)",
    package: 'dockerode',
    version: '4.0.12',
    file: 'lib/session.js',
    importer: 'lib/docker.js',
    binding: 'withSession',
    requirePattern: /\bwithSession = require\('\.\/session'\)/,
    callPattern: /\bwithSession\(/,
  },
];

const specifierOf = (m) => `${m.package}/${m.file}`;
const DEFERRED_PATHS = new RegExp(`node_modules/(${DEFERRED_MODULES.map((m) => specifierOf(m).replace(/[.]/g, '\\.')).join('|')})$`);

/** esbuild plugin: each deferred module becomes a stand-in that requires the real one on first call. */
export const deferredModulesPlugin = {
  name: 'rtm-deferred-modules',
  setup(build) {
    build.onLoad({ filter: DEFERRED_PATHS }, (args) => {
      const specifier = args.path.slice(args.path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      // A non-literal require is left to run time (the bundle banner's require), not bundled.
      const contents = [
        `const specifier = ${JSON.stringify(specifier)};`,
        'let real = null;',
        'module.exports = function deferred(...args) {',
        '  if (real === null) real = require(specifier);',
        '  return real.apply(this, args);',
        '};',
      ].join('\n');
      return { contents, loader: 'js' };
    });
  },
};
