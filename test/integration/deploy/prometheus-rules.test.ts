// deploy/: the alert rules pass `promtool check rules` and their unit tests (`promtool test
// rules`: every alert fires); every alert links a section of docs/runbook.md; the dashboard is
// scoped by its job and instance variables. A real Prometheus (Debian's package) scrapes three
// real RTMs — one ready, one not (its game network is missing), one whose reconciler rounds
// fail (its records table is moved away once it runs) — and evaluates the rules:
// RtmanagerNotReady goes pending for the second only, RtmanagerWorkerStale fires for the
// third's reconciler only. Every metric a rule or a dashboard panel names exists on /metrics.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/app/project-root.js';
import { buildDist, rtmEnv, spawnRtm, type RtmProcess } from '../../support/rtm-process.js';
import { createTestDatabase, eventually, type TestDatabase } from '../../support/test-env.js';

const ROOT = projectRoot();
const RULES = path.join(ROOT, 'deploy/prometheus/rtmanager-alerts.yml');
const DASHBOARD = path.join(ROOT, 'deploy/grafana/rtmanager-dashboard.json');
const RULE_TESTS = path.join(ROOT, 'deploy/prometheus/rtmanager-alerts.test.yml');
const RUNBOOK = path.join(ROOT, 'docs/runbook.md');

let db: TestDatabase;
let staleDb: TestDatabase;
let ready: RtmProcess;
let notReady: RtmProcess;
let stale: RtmProcess;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let workDir: string;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const hostPort = (url: string) => new URL(url).host;

async function promQuery(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
  return body.data.result;
}

beforeAll(async () => {
  buildDist();
  db = await createTestDatabase();
  ready = spawnRtm(rtmEnv(db.url));
  notReady = spawnRtm(rtmEnv(db.url, { RTMANAGER_DOCKER_NETWORK: 'galaxy-net-missing-for-alerts' }));
  staleDb = await createTestDatabase();
  stale = spawnRtm(rtmEnv(staleDb.url, { RTMANAGER_RECONCILE_INTERVAL: '1' }));
  const targets = [hostPort(await ready.baseUrl()), hostPort(await notReady.baseUrl()), hostPort(await stale.baseUrl())];
  workDir = mkdtempSync(path.join(os.tmpdir(), 'rtm-prometheus-'));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  writeFileSync(
    path.join(workDir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${JSON.stringify(RULES)}]`,
      'scrape_configs:',
      '  - job_name: rtmanager',
      `    static_configs: [{ targets: ${JSON.stringify(targets)} }]`,
      '',
    ].join('\n'),
  );
  prometheus = spawn('prometheus', [`--config.file=${path.join(workDir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(workDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
}, 180_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus?.once('exit', r));
    prometheus.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    prometheus.kill('SIGKILL');
  }
  for (const p of [ready, notReady, stale]) {
    if (p && p.child.exitCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  await db?.drop();
  await staleDb?.drop();
}, 60_000);

async function workerStaleAlerts(): Promise<Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }>> {
  const res = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }> } };
  return res.data.alerts.filter((a) => a.labels.alertname === 'RtmanagerWorkerStale');
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function githubAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

/** Metric families an expression names (histogram series mapped to their family). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:rtmanager|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => (m[1] as string).replace(/_(bucket|count|sum)$/, ''));
}

describe('alert rules and dashboard', () => {
  it('pass promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    process.stdout.write(out);
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass their unit tests: promtool test rules, every alert firing on its series', () => {
    const out = execFileSync('promtool', ['test', 'rules', RULE_TESTS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toContain('SUCCESS');
    const alerts = [...readFileSync(RULES, 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    const tested = new Set([...readFileSync(RULE_TESTS, 'utf8').matchAll(/alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels/g)].map((m) => m[1]));
    expect(alerts.filter((a) => !tested.has(a as string)), 'alerts no unit test sees firing').toEqual([]);
  });

  it('link each alert to its own section of docs/runbook.md', () => {
    const rules = readFileSync(RULES, 'utf8');
    const anchors = new Set([...readFileSync(RUNBOOK, 'utf8').matchAll(/^#{2,3} (.+)$/gm)].map((m) => githubAnchor(m[1] as string)));
    const alerts = [...rules.matchAll(/- alert: (\w+)[\s\S]*?runbook_url: "docs\/runbook\.md#([^"]+)"/g)].map((m) => ({ alert: m[1], anchor: m[2] as string }));
    expect(alerts).toHaveLength([...rules.matchAll(/- alert: /g)].length);
    for (const { alert, anchor } of alerts) {
      expect(anchor, `${alert}`).toBe(alert?.toLowerCase());
      expect(anchors.has(anchor), `docs/runbook.md has no section #${anchor}`).toBe(true);
    }
  });

  it('dashboard: job and instance variables scope every query; no job name is hard-coded', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { templating: { list: Array<{ name: string }> }; panels: Array<{ targets: Array<{ expr: string }> }> };
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(expect.arrayContaining(['datasource', 'job', 'instance']));
    for (const expr of dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))) {
      expect(expr).not.toMatch(/job="rtmanager"/);
      for (const selector of expr.matchAll(/\b(?:rtmanager|process|nodejs)_[a-z0-9_]+(\{[^}]*\})?/g)) expect(selector[1], expr).toMatch(/job="\$job",instance=~"\$instance"/);
    }
  });

  it('name only metrics that RTM exports', async () => {
    const rules = readFileSync(RULES, 'utf8');
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const named = new Set([...metricNames(rules), ...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricNames(t.expr)))]);
    const page = await (await fetch(`${await ready.baseUrl()}/metrics`)).text();
    const exported = new Set([...page.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const missing = [...named].filter((n) => !exported.has(n)).sort();
    expect(missing, 'metrics named by deploy/ but absent from /metrics').toEqual([]);
    expect(named.size).toBeGreaterThan(15);
    // The pool gauges read the service's own pg.Pool (wired by the composition root; unwired they read 0).
    expect(page).toMatch(/^rtmanager_postgres_pool_max_connections 10$/m);
    for (const gauge of ['connections', 'idle_connections', 'waiting_requests']) expect(page).toMatch(new RegExp(`^rtmanager_postgres_pool_${gauge} \\d+$`, 'm'));
  });

  it('a real Prometheus scrapes RTM and evaluates RtmanagerNotReady: pending for the instance that is not ready, only', async () => {
    const notReadyInstance = hostPort(await notReady.baseUrl());
    const up = await eventually(async () => {
      const r = await promQuery('up{job="rtmanager"} == 1');
      return r.length === 3 ? r : undefined;
    }, { timeoutMs: 60_000, message: 'Prometheus never scraped the three RTMs' });
    expect(up).toHaveLength(3);
    const firing = await eventually(async () => {
      const r = await promQuery('max by (instance) (rtmanager_ready) == 0');
      return r.length > 0 ? r : undefined;
    }, { timeoutMs: 30_000, message: 'rtmanager_ready == 0 never matched' });
    expect(firing.map((s) => s.metric.instance)).toEqual([notReadyInstance]);
    const alert = await eventually(async () => {
      const res = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
      return res.data.alerts.find((a) => a.labels.alertname === 'RtmanagerNotReady');
    }, { timeoutMs: 30_000, message: 'RtmanagerNotReady never evaluated' });
    expect(alert.state).toBe('pending');
    expect(alert.labels.instance).toBe(notReadyInstance);
    const info = await promQuery('rtmanager_build_info');
    expect(info[0]?.metric.version).toMatch(/^\d+\.\d+\.\d+/);
    process.stdout.write(`prometheus: ${alert.labels.alertname} ${alert.state} for ${alert.labels.instance}\n`);
  }, 120_000);

  it('a real Prometheus fires RtmanagerWorkerStale for a reconciler whose rounds fail, on that instance only', async () => {
    const staleInstance = hostPort(await stale.baseUrl());
    await stale.waitForLog((l) => l.msg === 'workers and consumers started', 60_000);
    // Healthy first: Prometheus has scraped several successful rounds, and no alert stands.
    await eventually(async () => {
      const r = await promQuery(`rtmanager_worker_round_duration_seconds_count{instance="${staleInstance}",worker="reconciler",outcome="success"} >= 3`);
      return r.length > 0 ? r : undefined;
    }, { timeoutMs: 60_000, message: 'no successful reconciler rounds were scraped' });
    expect(await workerStaleAlerts()).toEqual([]);
    // Every reconcile round starts by listing the records: from now on each one throws.
    await staleDb.pool.query('ALTER TABLE rtmanager.runtime_records RENAME TO runtime_records_moved_away');
    await stale.waitForLog((l) => l.msg === 'worker round failed' && l.worker === 'reconciler', 30_000);
    const alert = await eventually(async () => {
      const staleAlerts = await workerStaleAlerts();
      expect(staleAlerts.filter((a) => a.labels.instance !== staleInstance), 'stale workers on the healthy RTMs').toEqual([]);
      return staleAlerts.find((a) => a.labels.worker === 'reconciler' && a.state === 'firing');
    }, { timeoutMs: 60_000, message: 'RtmanagerWorkerStale never fired for the reconciler' });
    expect(alert.labels.instance).toBe(staleInstance);
    expect(alert.annotations.runbook_url).toBe('docs/runbook.md#rtmanagerworkerstale');
    // The failed rounds are counted too (scraped on Prometheus' own schedule: polled).
    const failures = await eventually(async () => {
      const r = await promQuery(`rtmanager_worker_round_duration_seconds_count{instance="${staleInstance}",worker="reconciler",outcome="failure"} > 0`);
      return r.length > 0 ? r : undefined;
    }, { timeoutMs: 30_000, message: 'no failed reconciler round was scraped' });
    expect(Number(failures[0]?.value[1])).toBeGreaterThan(0);
    process.stdout.write(`prometheus: ${alert.labels.alertname} ${alert.state} for ${alert.labels.instance} worker=${alert.labels.worker}: ${alert.annotations.summary}\n`);
  }, 120_000);
});
