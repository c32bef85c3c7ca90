// Swarm mode's startup check of hardening parity (CONTRACT §11): refused when the nodes'
// engines cannot express a row nobody waived, logged otherwise; the gate over a manager that
// answers GET /nodes and GET /version (a stand-in for dockerode's modem); the /readyz check.
import type Dockerode from 'dockerode';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SwarmHardeningGate } from '../../src/adapters/docker/swarm/swarm-hardening.gate.js';
import { checkSwarmHardeningAtStartup, swarmHardeningCheck, SwarmHardeningRefused } from '../../src/app/swarm-hardening.js';
import type { SwarmHardeningRow } from '../../src/domain/swarm-hardening.js';
import { DockerError } from '../../src/ports/docker-runtime.js';

interface Manager {
  engines: string[];
  apiVersion: string;
  down?: boolean;
  /** dockerode's `version` option (the modem then prefixes every path with it). */
  pinned?: string;
  calls: string[];
}

/** A dockerode whose modem answers like a Swarm manager. */
function managerClient(m: Manager): Dockerode {
  const modem = {
    version: m.pinned,
    dial(opts: { path: string }, cb: (err: unknown, data?: unknown) => void) {
      m.calls.push(opts.path);
      if (m.down) return cb(Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' }));
      if (opts.path === '/nodes') return cb(null, m.engines.map((v, i) => ({ ID: `n${i}`, Description: { Engine: { EngineVersion: v } } })));
      if (opts.path === '/version') return cb(null, { Version: m.engines[0], ApiVersion: m.apiVersion });
      return cb(new Error(`unexpected ${opts.path}`));
    },
  };
  return { modem } as unknown as Dockerode;
}

function gateOn(m: Omit<Manager, 'calls'>, waived: SwarmHardeningRow[], clock = { t: 0 }) {
  const manager: Manager = { ...m, calls: [] };
  const gate = new SwarmHardeningGate(managerClient(manager), { apiTimeoutMs: 1_000, waived, reuseMs: 30_000, now: () => clock.t });
  return { gate, manager, clock };
}

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines, messages: () => lines.map((l) => l.msg) };
}

const ALL: SwarmHardeningRow[] = ['no_new_privileges', 'swap_limit', 'cgroupns'];

describe('checkSwarmHardeningAtStartup', () => {
  it('20.10 without a waiver: refused, naming the rows and the lowest engine', async () => {
    const { gate } = gateOn({ engines: ['20.10.24+dfsg1'], apiVersion: '1.41' }, ['cgroupns']);
    const { logger } = capturingLogger();
    const refused = checkSwarmHardeningAtStartup(gate, logger);
    await expect(refused).rejects.toBeInstanceOf(SwarmHardeningRefused);
    await expect(refused).rejects.toThrow(/lowest node engine 20\.10\.24\+dfsg1 .*cannot express no_new_privileges, swap_limit in a service spec; RTMANAGER_SWARM_HARDENING_WAIVER/);
  });

  it('mixed nodes: the lowest decides (a 29 manager over a 25 worker still needs swap_limit waived)', async () => {
    const { gate } = gateOn({ engines: ['29.0.1', '25.0.3'], apiVersion: '1.52' }, ['cgroupns']);
    await expect(checkSwarmHardeningAtStartup(gate, capturingLogger().logger)).rejects.toThrow(/lowest node engine 25\.0\.3 .*cannot express swap_limit in/);
  });

  it('20.10 with all three waived: starts, warns about the waived rows, writes nothing newer', async () => {
    const { gate } = gateOn({ engines: ['20.10.24+dfsg1'], apiVersion: '1.41' }, ALL);
    const { logger, lines } = capturingLogger();
    await checkSwarmHardeningAtStartup(gate, logger);
    expect(lines.find((l) => /written into every service spec/.test(String(l.msg)))).toMatchObject({ written: [], lowest_engine: '20.10.24+dfsg1', api_version: '1.41' });
    expect(lines.find((l) => /waived by RTMANAGER_SWARM_HARDENING_WAIVER/.test(String(l.msg)))).toMatchObject({ level: 40, waived: ALL });
    expect(lines.some((l) => /not needed/.test(String(l.msg)))).toBe(false);
  });

  it('29 with a waiver of every row: starts; the expressible rows are written and their waiver logged as not needed', async () => {
    const { gate } = gateOn({ engines: ['29.0.1'], apiVersion: '1.52' }, ALL);
    const { logger, lines } = capturingLogger();
    await checkSwarmHardeningAtStartup(gate, logger);
    expect(lines.find((l) => /written into every service spec/.test(String(l.msg)))).toMatchObject({ written: ['no_new_privileges', 'swap_limit'] });
    expect(lines.find((l) => /waived by/.test(String(l.msg)))).toMatchObject({ waived: ['cgroupns'] });
    expect(lines.find((l) => /enforced anyway/.test(String(l.msg)))).toMatchObject({ level: 40, rows: ['no_new_privileges', 'swap_limit'] });
  });

  it('a manager that does not answer, without a waiver of every row: refused (the oldest engine is assumed)', async () => {
    const { gate } = gateOn({ engines: [], apiVersion: '1.41', down: true }, ['cgroupns']);
    const refused = checkSwarmHardeningAtStartup(gate, capturingLogger().logger);
    await expect(refused).rejects.toBeInstanceOf(SwarmHardeningRefused);
    await expect(refused).rejects.toThrow(/could not be read from the manager .*oldest engine is assumed, which cannot express no_new_privileges, swap_limit in a service spec/);
  });

  it('a manager that does not answer, every row waived, does not block startup (warned); /readyz then says why and specs are refused', async () => {
    const { gate } = gateOn({ engines: [], apiVersion: '1.41', down: true }, ALL);
    const { logger, messages } = capturingLogger();
    await checkSwarmHardeningAtStartup(gate, logger);
    expect(messages().join('\n')).toMatch(/could not be read at startup/);
    await expect(swarmHardeningCheck(gate).check()).rejects.toThrow();
    await expect(gate.expressible()).rejects.toThrow();
  });
});

describe('SwarmHardeningGate', () => {
  it('reads every node and the manager API version; the verdict is reused, a failed read is not', async () => {
    const { gate, manager, clock } = gateOn({ engines: ['25.0.3', '26.1.0'], apiVersion: '1.45' }, ['swap_limit', 'cgroupns']);
    expect(await gate.versions()).toEqual({ engines: ['25.0.3', '26.1.0'], apiVersion: '1.45' });
    manager.calls.length = 0;
    expect([...(await gate.expressible())]).toEqual(['no_new_privileges']);
    expect([...(await gate.expressible())]).toEqual(['no_new_privileges']);
    expect(manager.calls.sort()).toEqual(['/nodes', '/version']);
    // A node with an older engine joins: seen once the verdict is older than reuseMs.
    manager.engines.push('20.10.24');
    clock.t = 30_000;
    const refused = gate.expressible();
    await expect(refused).rejects.toBeInstanceOf(DockerError);
    await expect(refused).rejects.toThrow(/lowest node engine 20\.10\.24 .*cannot express no_new_privileges in/);
    await expect(swarmHardeningCheck(gate).check()).rejects.toThrow(/no_new_privileges/);
    manager.down = true;
    clock.t = 60_000;
    await expect(gate.expressible()).rejects.toThrow(/ECONNREFUSED|Docker/);
    manager.down = false;
    manager.engines.pop();
    await expect(swarmHardeningCheck(gate).check()).resolves.toBeUndefined();
  });

  it('a client pinned to an API version: that version counts, not the manager’s', async () => {
    const { gate, manager } = gateOn({ engines: ['29.0.1'], apiVersion: '1.52', pinned: 'v1.41' }, ALL);
    expect(await gate.versions()).toEqual({ engines: ['29.0.1'], apiVersion: '1.41' });
    expect(manager.calls).toEqual(['/nodes']);
    expect((await gate.expressible()).size).toBe(0);
  });
});
