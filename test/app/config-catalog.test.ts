// The catalog behind `--help` and the README table cannot drift from loadConfig: every
// variable loadConfig reads is in it (and nothing else), every default it names is the one
// loadConfig applies, and the README shows exactly its rendering.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, renderConfigHelp, renderConfigTable } from '../../src/app/config-catalog.js';
import { loadConfig } from '../../src/app/config.js';
import { projectRoot } from '../../src/app/project-root.js';

const REQUIRED = {
  RTMANAGER_POSTGRES_URL: 'postgres://u@127.0.0.1:5432/db',
  RTMANAGER_REDIS_URL: 'redis://127.0.0.1:6379/0',
  RTMANAGER_DOCKER_NETWORK: 'galaxy-net',
  RTMANAGER_GAME_STATE_ROOT: '/srv/games',
};

/** The names loadConfig looks up, seen through a recording environment. */
function namesRead(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return target[key as string];
    },
  });
  loadConfig(recording);
  return read;
}

describe('config catalog', () => {
  it('lists exactly the variables loadConfig reads', () => {
    const read = [...namesRead({ ...REQUIRED })].filter((n) => n.startsWith('RTMANAGER_') || n.startsWith('OTEL_')).sort();
    expect(CONFIG_VARIABLES.map((v) => v.name).sort()).toEqual(read);
  });

  it('names each variable once, required ones without a default', () => {
    const names = CONFIG_VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of CONFIG_VARIABLES.filter((c) => c.required)) expect(v.default).toBeNull();
    expect(CONFIG_VARIABLES.filter((v) => v.required).map((v) => v.name).sort()).toEqual(Object.keys(REQUIRED).sort());
  });

  it('states the defaults loadConfig applies (setting one explicitly changes nothing)', () => {
    const baseline = loadConfig({ ...REQUIRED });
    for (const v of CONFIG_VARIABLES.filter((c) => c.default !== null)) {
      expect(loadConfig({ ...REQUIRED, [v.name]: v.default as string }), v.name).toEqual(baseline);
    }
  });

  it('is what the README table shows', () => {
    const readme = readFileSync(path.join(projectRoot(), 'README.md'), 'utf8');
    const block = /<!-- config-table:start[^>]*-->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
    expect(block, 'README.md config-table markers').toBeDefined();
    expect(block).toBe(renderConfigTable());
  });

  it('renders --help with every variable, its default and meaning', () => {
    const help = renderConfigHelp();
    for (const v of CONFIG_VARIABLES) expect(help).toContain(v.name);
    expect(help).toMatch(/RTMANAGER_POSTGRES_URL\s+PostgreSQL URL .*\(required\)/);
    expect(help).toMatch(/RTMANAGER_STOP_TIMEOUT\s+graceful docker stop timeout \(default 10\)/);
  });
});
