// npx tsx bench/cpu-profile-summary.ts FILE.cpuprofile [N]
// Top frames of a `node --cpu-prof` profile: self time per function (with its file), and
// self time per package / area (node_modules/<pkg>, RTM's src/<dir>, node internals), so a
// row that misses can be explained by what dominates it.
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function areaOf(url: string): string {
  if (url === '') return '(native / gc / idle)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1] as string;
  const src = /\/(dist\/)?(src|generated)\/([^/]+)/.exec(url);
  if (src) return `rtm ${src[2]}/${src[3]}`;
  if (url.startsWith('node:')) return url.split('/')[0] ?? url;
  return url.replace(/^file:\/\//, '');
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/cpu-profile-summary.ts FILE.cpuprofile [N]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.endTime - profile.startTime;
const fn = new Map<string, number>();
const area = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  if (!n) continue;
  const { functionName, url, lineNumber } = n.callFrame;
  const name = functionName || '(anonymous)';
  const key = url === '' ? name : `${name}  ${url.replace(/^file:\/\/.*?\/(node_modules|dist|src)\//, '$1/')}:${lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const a = areaOf(url);
  area.set(a, (area.get(a) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1).padStart(5)} %`;
const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`${title}\n`);
  for (const [k, us] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
};
process.stdout.write(`${file}: ${(totalUs / 1e6).toFixed(1)} s profiled\n`);
print('self time by area', area);
print('self time by function', fn);
