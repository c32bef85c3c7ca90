// Which build of the service a process starts (src/main.ts). The bundle
// (dist/bundle/service-main.mjs, written by scripts/build-dist.mjs) starts in about half the
// time of dist/src/ module by module; tracing needs the modules, since OpenTelemetry's
// instrumentations patch pg, ioredis and http as they load. A bundle older than tsc's last
// build of dist/ (tsc run alone after it) is stale: the modules start instead, with a warning.
// Only existence and mtimes are read here: this runs before config and before the logger.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type StartPath = 'bundle' | 'modules';

export interface StartPathChoice {
  path: StartPath;
  /** Why not the bundle, when a bundle exists but is not used. */
  staleBundle?: string;
}

export interface StartPathFiles {
  /** dist/bundle/service-main.mjs */
  bundle: URL;
  /** dist/.tsbuildinfo.build: rewritten by every tsc build of dist/ that changed it. */
  tscBuildInfo: URL;
}

/** The files beside dist/src/main.js (`mainUrl`); from src/ (tsx) they do not exist. */
export function startPathFiles(mainUrl: string): StartPathFiles {
  return { bundle: new URL('../bundle/service-main.mjs', mainUrl), tscBuildInfo: new URL('../.tsbuildinfo.build', mainUrl) };
}

export function chooseStartPath(files: StartPathFiles, tracing: boolean): StartPathChoice {
  if (tracing) return { path: 'modules' };
  const bundle = mtimeMs(files.bundle);
  if (bundle === null) return { path: 'modules' };
  const tsc = mtimeMs(files.tscBuildInfo);
  if (tsc !== null && tsc > bundle)
    return { path: 'modules', staleBundle: `${fileURLToPath(files.bundle)} is older than tsc's last build of dist/; run npm run build` };
  return { path: 'bundle' };
}

function mtimeMs(file: URL): number | null {
  return statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? null;
}
