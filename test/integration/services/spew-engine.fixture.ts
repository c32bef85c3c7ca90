// A tiny engine for the logs/stats/limits tests (issue 22), FROM scratch with busybox-static
// (like the bench's image): it serves /healthz from its state dir and obeys files the test
// drops there: `print` (N: print N lines as fast as it can), `stderr` (one line to stderr),
// `busy` (start a busy loop: one CPU), `hog` (N: hold N MiB of memory, N ≤ 60: /dev/shm). The game-test engine
// is shared by every worktree's tests, so this image is separate and built here.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SPEW_IMAGE_REPO = 'galaxy/spew-test';

const SCRIPT = [
  'S=/var/lib/galaxy-game; B=/bin/busybox',
  'echo ok > $S/healthz',
  '$B httpd -p 8080 -h $S',
  'echo "spew engine up"',
  'while :; do',
  '  if [ -f $S/print ]; then n=$($B cat $S/print); $B rm -f $S/print; $B seq 1 $n | $B sed "s/^/spew line /"; echo "printed $n"; fi',
  '  if [ -f $S/stderr ]; then $B rm -f $S/stderr; echo "to stderr" >&2; fi',
  '  if [ -f $S/busy ]; then $B rm -f $S/busy; (while :; do :; done) & fi',
  // /dev/shm pages are charged to the container's memory (and are not file cache).
  '  if [ -f $S/hog ]; then n=$($B cat $S/hog); $B rm -f $S/hog; $B head -c $((n*1048576)) /dev/zero > /dev/shm/hog-$n; fi',
  '  $B sleep 0.05',
  'done',
].join('\n');

const DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
LABEL com.galaxy.cpu_quota="1.5" com.galaxy.memory="256m" com.galaxy.pids_limit="64"
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/bin/busybox", "sh", "-c", ${JSON.stringify(SCRIPT)}]
`;

/** Builds (once per content) and returns the image reference. */
export async function buildSpewImage(): Promise<string> {
  const tag = createHash('sha256').update(DOCKERFILE).digest('hex').slice(0, 12);
  const ref = `${SPEW_IMAGE_REPO}:1.0.0-${tag}`;
  const present = await run('docker', ['image', 'inspect', ref]).then(() => true, () => false);
  if (present) return ref;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rtm-spew-image-'));
  try {
    await copyFile('/bin/busybox', path.join(dir, 'busybox'));
    await writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
    await run('docker', ['build', '--quiet', '-t', ref, dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return ref;
}
