// Throwaway swarms for the swarm tests (scripts/swarm-nodes.sh): extra dockerds in their own
// network namespaces, never the machine's daemon. Each one records the pid of the process that
// owns it, so a run that died without its teardown is swept by the next one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/app/project-root.js';
import { uniqueSuffix } from './test-env.js';

const DIR_PREFIX = 'rtm-swarm-';
const script = () => path.join(projectRoot(), 'scripts', 'swarm-nodes.sh');

export interface SwarmCluster {
  dir: string;
  managerHost: string;
  network: string;
  nodeHosts: string[];
  /** The host's address on the nodes' segment, and each node's (1-based: nodeIps[0] is node 1). */
  hostIp: string;
  nodeIps: string[];
  /** `docker -H <node i>` (1-based) with these arguments; stdout. */
  docker(node: number, args: string[]): string;
  stopNode(node: number): void;
  startNode(node: number): void;
  close(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes swarms whose owning process is gone (a killed run). */
export function sweepOrphanSwarms(): void {
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(existsSync(path.join(dir, 'owner.pid')) ? readFileSync(path.join(dir, 'owner.pid'), 'utf8') : '0');
    if (owner > 0 && alive(owner)) continue;
    execFileSync('bash', [script(), 'down', dir], { stdio: 'inherit' });
  }
}

export function startSwarm(opts: { nodes: number; network: string; images: string[] }): SwarmCluster {
  // Short: the daemons' unix sockets live under it (≤ 108 characters).
  const dir = path.join(os.tmpdir(), `${DIR_PREFIX}${uniqueSuffix(3)}`);
  try {
    // Owned before `up` starts: another run's sweep must not take a swarm being built for an orphan.
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
    execFileSync('bash', [script(), 'up', dir, String(opts.nodes), opts.network, ...opts.images], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    execFileSync('bash', [script(), 'down', dir], { stdio: 'inherit' });
    throw err;
  }
  const env = Object.fromEntries(
    readFileSync(path.join(dir, 'env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const nodeHosts = Array.from({ length: opts.nodes }, (_, i) => env[`SWARM_NODE_${i + 1}_HOST`] as string);
  return {
    dir,
    managerHost: env.SWARM_MANAGER_HOST as string,
    network: opts.network,
    nodeHosts,
    hostIp: env.SWARM_HOST_IP as string,
    nodeIps: Array.from({ length: opts.nodes }, (_, i) => env[`SWARM_NODE_${i + 1}_IP`] as string),
    docker: (node, args) => execFileSync('docker', ['-H', nodeHosts[node - 1] as string, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    stopNode: (node) => void execFileSync('bash', [script(), 'stop-node', dir, String(node)], { stdio: 'inherit' }),
    startNode: (node) => void execFileSync('bash', [script(), 'start-node', dir, String(node)], { stdio: 'inherit' }),
    close: () => void execFileSync('bash', [script(), 'down', dir], { stdio: 'inherit' }),
  };
}

/** GET /healthz of an engine at `ip` on the swarm's overlay, from the prober container there. */
export function healthzOverSwarm(managerHost: string, prober: string, ip: string): { status: number; body: unknown } | undefined {
  const script = `fetch('http://${ip}:8080/healthz',{signal:AbortSignal.timeout(2000)}).then(async r=>console.log(JSON.stringify({status:r.status,body:await r.json().catch(()=>null)}))).catch(()=>console.log('null'))`;
  const out = execFileSync('docker', ['-H', managerHost, 'exec', prober, '/usr/bin/node', '-e', script], { encoding: 'utf8' }).trim();
  return (JSON.parse(out) as { status: number; body: unknown } | null) ?? undefined;
}
