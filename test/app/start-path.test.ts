// Which build a process starts: the bundle unless tracing is on, it is missing, or tsc
// rebuilt dist/ after it (stale).
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseStartPath, startPathFiles } from '../../src/app/start-path.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function distWith(files: { bundleAt?: number; tscAt?: number }) {
  const dist = mkdtempSync(path.join(os.tmpdir(), 'rtm-dist-'));
  made.push(dist);
  const main = path.join(dist, 'src', 'main.js');
  const f = startPathFiles(pathToFileURL(main).href);
  const put = (url: URL, at: number) => {
    const p = url.pathname;
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, '');
    utimesSync(p, at / 1000, at / 1000);
  };
  if (files.bundleAt !== undefined) put(f.bundle, files.bundleAt);
  if (files.tscAt !== undefined) put(f.tscBuildInfo, files.tscAt);
  return f;
}

describe('chooseStartPath', () => {
  const t = Date.UTC(2026, 0, 1);

  it('names the files beside dist/src/main.js', () => {
    const f = startPathFiles('file:///app/dist/src/main.js');
    expect(f.bundle.href).toBe('file:///app/dist/bundle/service-main.mjs');
    expect(f.tscBuildInfo.href).toBe('file:///app/dist/.tsbuildinfo.build');
  });

  it('the bundle when it is at least as new as tsc\'s last build', () => {
    expect(chooseStartPath(distWith({ bundleAt: t + 1000, tscAt: t }), false)).toEqual({ path: 'bundle' });
    expect(chooseStartPath(distWith({ bundleAt: t, tscAt: t }), false)).toEqual({ path: 'bundle' });
  });

  it('the bundle when no tsc build info is shipped (the image)', () => {
    expect(chooseStartPath(distWith({ bundleAt: t }), false)).toEqual({ path: 'bundle' });
  });

  it('the modules with tracing on, whatever the bundle', () => {
    expect(chooseStartPath(distWith({ bundleAt: t + 1000, tscAt: t }), true)).toEqual({ path: 'modules' });
  });

  it('the modules, quietly, when there is no bundle (running from src/, or tsc alone)', () => {
    expect(chooseStartPath(distWith({ tscAt: t }), false)).toEqual({ path: 'modules' });
    expect(chooseStartPath(distWith({}), false)).toEqual({ path: 'modules' });
  });

  it('the modules, saying why, when tsc rebuilt dist/ after the bundle', () => {
    const choice = chooseStartPath(distWith({ bundleAt: t, tscAt: t + 1000 }), false);
    expect(choice.path).toBe('modules');
    expect(choice.staleBundle).toMatch(/service-main\.mjs is older than tsc's last build of dist\/; run npm run build/);
  });
});
