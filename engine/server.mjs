// Test game engine: a stand-in for the real Galaxy engine, packaged FROM scratch with the
// host's node (see scripts/build-engine-image.sh). Plain JavaScript, no npm dependencies.
// It serves /healthz, writes a state file into the bind-mounted state dir, and has
// switches (HTTP, env, file) that make it misbehave on purpose for RTM's tests.
// Switches are documented in docs/integration-tests.md.
import http from 'node:http';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';

const HEALTHZ_MODES = new Set(['ok', 'fail', 'hang']);

const env = process.env;
const port = Number.parseInt(env.ENGINE_PORT ?? '8080', 10);
const stateDir = env.GAME_STATE_PATH || env.STORAGE_PATH || '/var/lib/galaxy-game';
const stateFile = path.join(stateDir, 'engine-state.json');
const modeFile = path.join(stateDir, 'healthz-mode');
const version = env.ENGINE_VERSION ?? 'unknown';
const startedAt = new Date().toISOString();

/** Healthz mode set over HTTP; null = not set, fall back to env. The mode file beats both. */
let controlHealthzMode = null;
const envHealthzMode = HEALTHZ_MODES.has(env.ENGINE_HEALTHZ_MODE ?? '') ? env.ENGINE_HEALTHZ_MODE : 'ok';
let ignoreSigterm = env.ENGINE_IGNORE_SIGTERM === '1';
let stateError = null;
/** Kept referenced so the garbage collector cannot give the memory back. */
const hoard = [];

function log(msg, fields = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...fields })}\n`);
}

function writeStateFile() {
  const body = { pid: process.pid, started_at: startedAt, hostname: os.hostname(), version, uid: process.getuid?.() ?? null };
  try {
    fs.writeFileSync(stateFile, `${JSON.stringify(body)}\n`);
    log('state file written', { path: stateFile });
  } catch (err) {
    // Not fatal: the engine keeps serving and /healthz reports the problem in its body.
    stateError = `${err.code ?? 'ERROR'}: cannot write ${stateFile}`;
    log('state dir not writable', { path: stateFile, error: String(err.message ?? err) });
  }
}

function currentHealthzMode() {
  try {
    const fromFile = fs.readFileSync(modeFile, 'utf8').trim();
    if (HEALTHZ_MODES.has(fromFile)) return fromFile;
  } catch {
    // no mode file: normal case
  }
  return controlHealthzMode ?? envHealthzMode;
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Allocate and touch memory until the kernel's OOM killer ends the process. */
function hoardMemory() {
  log('allocating memory until killed');
  const step = () => {
    const chunk = Buffer.allocUnsafe(8 * 1024 * 1024);
    chunk.fill(0xa5); // touch every page so it is really resident
    hoard.push(chunk);
    setImmediate(step);
  };
  step();
}

function exitLater(code, delayMs) {
  log('exiting on request', { code, delay_ms: delayMs });
  setTimeout(() => process.exit(code), delayMs);
}

function intParam(url, name, fallback) {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  return /^\d+$/.test(raw) ? Number.parseInt(raw, 10) : Number.NaN;
}

function handleControl(req, res, url) {
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' });
  switch (url.pathname) {
    case '/control/exit': {
      const code = intParam(url, 'code', 1);
      const delayMs = intParam(url, 'delay_ms', 100);
      if (!(code >= 0 && code <= 255) || !(delayMs >= 0)) return sendJson(res, 400, { error: 'code 0..255, delay_ms >= 0' });
      sendJson(res, 202, { exiting: true, code, delay_ms: delayMs });
      return exitLater(code, delayMs);
    }
    case '/control/healthz': {
      const mode = url.searchParams.get('mode') ?? '';
      if (!HEALTHZ_MODES.has(mode)) return sendJson(res, 400, { error: 'mode must be ok, fail or hang' });
      controlHealthzMode = mode;
      log('healthz mode set', { mode });
      return sendJson(res, 200, { healthz_mode: mode });
    }
    case '/control/oom':
      sendJson(res, 202, { oom: true });
      // Let the answer leave before the process starts starving.
      return void setTimeout(hoardMemory, 50);
    case '/control/ignore-sigterm': {
      const enabled = url.searchParams.get('enabled') !== 'false';
      ignoreSigterm = enabled;
      log('ignore-sigterm set', { enabled });
      return sendJson(res, 200, { ignore_sigterm: enabled });
    }
    default:
      return sendJson(res, 404, { error: 'unknown control endpoint' });
  }
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://engine');
  if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
    const mode = currentHealthzMode();
    if (mode === 'hang') return; // never answer; the socket stays open until the client gives up
    if (mode === 'fail') return sendJson(res, 500, { status: 'fail' });
    return sendJson(res, 200, stateError ? { status: 'ok', state_error: stateError } : { status: 'ok' });
  }
  if (url.pathname === '/info' && req.method === 'GET') {
    return sendJson(res, 200, {
      version,
      pid: process.pid,
      uid: process.getuid?.() ?? null,
      hostname: os.hostname(),
      started_at: startedAt,
      state_dir: stateDir,
      state_error: stateError,
      healthz_mode: currentHealthzMode(),
      ignore_sigterm: ignoreSigterm,
    });
  }
  if (url.pathname.startsWith('/control/')) return handleControl(req, res, url);
  return sendJson(res, 404, { error: 'not found' });
});

function shutdown(signal) {
  if (signal === 'SIGTERM' && ignoreSigterm) {
    log('ignoring SIGTERM on purpose');
    return;
  }
  log('shutting down', { signal });
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

writeStateFile();
// No host: node binds [::] when the kernel has IPv6 and 0.0.0.0 otherwise (all interfaces).
server.listen(port, () => {
  log('engine listening', { port, version, state_dir: stateDir });
  if (env.ENGINE_EXIT_CODE !== undefined && env.ENGINE_EXIT_CODE !== '') {
    exitLater(Number.parseInt(env.ENGINE_EXIT_CODE, 10) || 0, Number.parseInt(env.ENGINE_EXIT_AFTER_MS ?? '0', 10) || 0);
  }
  if (env.ENGINE_OOM === '1') hoardMemory();
});
