// The real RTM process (node dist/src/main.js, as `npm start` runs it), configured by the
// environment alone with production defaults plus what a row sets. Its footprint is read
// from /proc (VmRSS); readiness by polling /readyz.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { open, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../src/app/project-root.js';
import type { BenchRun } from './bench-run.js';
import { cpuSecondsOf } from './process-cpu.js';
import { DOCKER_HOST, DOCKER_NETWORK, ENGINE_UID, REDIS_URL, freePort, spawnNode, type BenchChild } from './bench-servers.js';

/** RTM's log line once the startup reconcile is done (src/app/rtm.ts); fleet.scenario.ts reads its report. */
export const STARTUP_RECONCILE_DONE = 'startup reconcile done';

/** Whether the log has said `msg` yet; each call reads only what was written since the last. */
function logWatcher(logFile: string, msg: string): () => Promise<boolean> {
  const needle = `"msg":${JSON.stringify(msg)}`;
  let offset = 0;
  let carry = '';
  let said = false;
  return async () => {
    if (said) return true;
    const handle = await open(logFile, 'r').catch(() => null);
    if (handle === null) return false;
    try {
      const { size } = await handle.stat();
      if (size <= offset) return false;
      const chunk = Buffer.alloc(size - offset);
      await handle.read(chunk, 0, chunk.length, offset);
      offset = size;
      const text = carry + chunk.toString('utf8');
      said = text.includes(needle);
      carry = text.slice(-needle.length);
      return said;
    } finally {
      await handle.close();
    }
  };
}

/** Builds dist/ and its bundle when a source is newer than the bundle (the check scripts/start.sh makes). */
export async function ensureDist(log: (line: string) => void): Promise<void> {
  const root = projectRoot();
  const main = path.join(root, 'dist', 'bundle', 'service-main.mjs');
  const newest = async (dir: string): Promise<number> => {
    let t = 0;
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? await newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
    }
    return t;
  };
  const sources = Math.max(await newest(path.join(root, 'src')), await newest(path.join(root, 'generated')));
  if (existsSync(main) && statSync(main).mtimeMs >= sources) return;
  log('bench: building dist/ (scripts/build-dist.mjs: tsc, then the bundle)');
  execFileSync(process.execPath, ['scripts/build-dist.mjs', '--quiet'], { cwd: root, stdio: 'inherit' });
}

export interface RtmUnderTestOptions {
  label: string;
  postgresUrl: string;
  redisPrefix: string;
  stateRoot: string;
  logDir: string;
  env?: Record<string, string>;
  /** Directory for `node --cpu-prof` output and heap snapshots (SIGUSR2); none = neither. */
  cpuProfDir?: string | null;
  /** The checkout whose dist/ runs (`--compare`); this one by default. */
  root?: string;
}

export interface RtmUnderTest {
  readonly baseUrl: string;
  readonly process: BenchChild;
  /** ms from spawn to the first 200 of /readyz. */
  readonly readyAfterMs: number;
  /** CPU (user + system) the process had spent when /readyz first answered 200, ms. */
  readonly cpuMsToReady: number;
  rssMb(): Promise<number>;
  /** Asks for a heap snapshot (only when profiling); it lands in the profile directory. */
  heapSnapshot(): void;
}

export async function startRtmUnderTest(run: BenchRun, o: RtmUnderTestOptions, readyDeadlineMs = 120_000): Promise<RtmUnderTest> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    RTMANAGER_INTERNAL_HTTP_ADDR: `127.0.0.1:${port}`,
    RTMANAGER_POSTGRES_URL: o.postgresUrl,
    RTMANAGER_REDIS_URL: REDIS_URL,
    RTMANAGER_REDIS_KEY_PREFIX: o.redisPrefix,
    RTMANAGER_DOCKER_HOST: DOCKER_HOST,
    RTMANAGER_DOCKER_NETWORK: DOCKER_NETWORK,
    RTMANAGER_GAME_STATE_ROOT: o.stateRoot,
    RTMANAGER_GAME_STATE_DIR_UID: String(ENGINE_UID),
    RTMANAGER_GAME_STATE_DIR_GID: String(ENGINE_UID),
    RTMANAGER_SHUTDOWN_TIMEOUT: '15',
    ...o.env,
  };
  const profiling = o.cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`, `--cpu-prof-name=${o.label}-${run.runId}.cpuprofile`, `--diagnostic-dir=${o.cpuProfDir}`, '--heapsnapshot-signal=SIGUSR2']
    : [];
  // The flags scripts/start.sh passes (scripts/node-flags); RTM_BENCH_RTM_NODE_FLAGS replaces
  // them to try others (e.g. "--enable-source-maps --max-semi-space-size=2"; "" = none).
  const extra = (process.env.RTM_BENCH_RTM_NODE_FLAGS ?? startScriptNodeFlags(o.root)).split(/\s+/).filter((f) => f !== '');
  const args = [...profiling, ...extra, 'dist/src/main.js'];
  const t0 = performance.now();
  const child = await spawnNode(run, `rtm-${o.label}`, args, env, o.logDir, o.root ?? projectRoot());
  const baseUrl = `http://127.0.0.1:${port}`;
  // /readyz is asked every 10 ms only once RTM has logged the end of its startup reconcile
  // (before that it cannot answer 200), every 250 ms until then: a request every 10 ms
  // through a 5 s start would cost RTM the CPU its start is measured by.
  let tick = 0;
  const reconciled = logWatcher(child.logFile, STARTUP_RECONCILE_DONE);
  await run.until(`RTM ${o.label} /readyz 200 (log ${child.logFile})`, readyDeadlineMs, 10, async () => {
    if (child.child.exitCode !== null) throw new Error(`RTM ${o.label} exited with ${child.child.exitCode}: see ${child.logFile}`);
    if (tick++ % 25 !== 0 && !(await reconciled())) return null;
    const res = await fetch(`${baseUrl}/readyz`).catch(() => null);
    if (res) await res.body?.cancel();
    return res?.status === 200 ? true : null;
  });
  const readyAfterMs = performance.now() - t0;
  const cpuMsToReady = (await cpuSecondsOf(child.pid)) * 1000;
  return {
    baseUrl,
    process: child,
    readyAfterMs,
    cpuMsToReady,
    rssMb: () => rssMbOf(child.pid),
    heapSnapshot: () => {
      if (o.cpuProfDir) child.child.kill('SIGUSR2');
    },
  };
}

/**
 * The other checkout of `--compare`, checked before anything starts: its dist/ must be built
 * (`npm run build` there); the bench never builds another tree.
 */
export function checkCompareBuild(root: string): void {
  const bundle = path.join(root, 'dist', 'bundle', 'service-main.mjs');
  if (!existsSync(path.join(root, 'dist', 'src', 'main.js')) || !existsSync(bundle))
    throw new Error(`--compare ${root}: no built RTM there (dist/src/main.js and ${bundle}); run \`npm run build\` in it first`);
}

/** The node flags of `npm start` (scripts/node-flags, read by scripts/start.sh) of a checkout (this one by default). */
export function startScriptNodeFlags(root = projectRoot()): string {
  return readFileSync(path.join(root, 'scripts', 'node-flags'), 'utf8').trim();
}

/** The entries of an RTM process log (pino's JSON lines), in order; a line that is not JSON (a Node warning) is skipped. */
export async function rtmLogEntries<T extends object>(logFile: string): Promise<Partial<T>[]> {
  const entries: Partial<T>[] = [];
  for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
    try {
      const entry: unknown = JSON.parse(line);
      if (typeof entry === 'object' && entry !== null) entries.push(entry as Partial<T>);
    } catch {
      // not JSON
    }
  }
  return entries;
}

/** Resident set size of a process, MB (VmRSS of /proc/pid/status). */
export async function rssMbOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+([0-9]+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}
