// collectDiagnostics: each version asked with a deadline (a hung or failing source is
// `version: null` with a reason), counts filled for every status, and a failing count
// (PostgreSQL down) is an error, not zeros.
import { describe, expect, it } from 'vitest';
import { collectDiagnostics, leadershipOf, type DiagnosticsSources } from '../../src/app/diagnostics.js';

const base: DiagnosticsSources = {
  rtmVersion: '1.1.0',
  startedAtMs: 1_000,
  now: () => 43_500,
  versions: [],
  countByStatus: async () => ({ running: 2 }),
  timeoutMs: 50,
};

describe('collectDiagnostics', () => {
  it('reports versions, uptime and counts for every status', async () => {
    const report = await collectDiagnostics({
      ...base,
      versions: [
        { name: 'postgres', version: async () => '15.14' },
        { name: 'redis', version: async () => '7.0.15' },
        { name: 'docker', version: async () => '20.10.24 (API 1.41)' },
      ],
    });
    expect(report).toEqual({
      rtm: { version: '1.1.0', node_version: process.versions.node, uptime_s: 42 },
      postgres: { version: '15.14', error: null },
      redis: { version: '7.0.15', error: null },
      docker: { version: '20.10.24 (API 1.41)', error: null },
      runtimes: { running: 2, stopped: 0, removed: 0 },
    });
  });

  it('a failing or hung source is null with a reason', async () => {
    const report = await collectDiagnostics({
      ...base,
      versions: [
        { name: 'redis', version: () => new Promise<string>(() => undefined) },
        { name: 'docker', version: async () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock')) },
      ],
    });
    expect(report.redis).toEqual({ version: null, error: 'no answer within 50 ms' });
    expect(report.docker).toEqual({ version: null, error: 'connect ENOENT /var/run/docker.sock' });
    expect(report.postgres).toEqual({ version: null, error: 'not wired' });
  });

  it('a failing count rejects (the REST edge answers the fault)', async () => {
    await expect(collectDiagnostics({ ...base, countByStatus: async () => Promise.reject(new Error('db down')) })).rejects.toThrow('db down');
  });
});

describe('leadershipOf', () => {
  it('maps the stored lease and this instance’s role; no lease yet reads leader null, no role yet standby', async () => {
    const lease = { holder: 'rtm-a', bootId: 'b', epoch: 4, acquiredAt: new Date('2026-12-05T03:00:00Z'), expiresAt: new Date('2026-12-05T03:00:15Z'), expired: false };
    expect(await leadershipOf({ read: async () => lease }, 'rtm-b', () => 'standby')()).toEqual({
      instance_id: 'rtm-b',
      role: 'standby',
      leader: { instance_id: 'rtm-a', epoch: 4, since: '2026-12-05T03:00:00.000Z', expires_at: '2026-12-05T03:00:15.000Z' },
    });
    expect(await leadershipOf({ read: async () => null }, 'rtm-b', () => null)()).toEqual({ instance_id: 'rtm-b', role: 'standby', leader: null });
  });
});
