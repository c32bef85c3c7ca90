// npx tsx bench/heap-summary.ts A.heapsnapshot [B.heapsnapshot]
// What a V8 heap snapshot holds, by constructor: count and self size, largest first; with
// two snapshots, what grew between them (the RSS rows' "what is retained" evidence).
import { readFile } from 'node:fs/promises';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Tally = Map<string, { count: number; bytes: number }>;

async function tally(file: string): Promise<Tally> {
  const s = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out: Tally = new Map();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + iType] as number] ?? '?';
    const name = type === 'object' || type === 'closure' || type === 'native' ? (s.strings[s.nodes[i + iName] as number] ?? '?') : `(${type})`;
    const key = `${type}:${name.slice(0, 60)}`;
    const t = out.get(key) ?? { count: 0, bytes: 0 };
    t.count += 1;
    t.bytes += s.nodes[i + iSize] as number;
    out.set(key, t);
  }
  return out;
}

const [a, b] = process.argv.slice(2);
if (!a) {
  process.stderr.write('usage: tsx bench/heap-summary.ts A.heapsnapshot [B.heapsnapshot]\n');
  process.exit(2);
}
const first = await tally(a);
const total = (t: Tally) => [...t.values()].reduce((n, x) => n + x.bytes, 0);
const mb = (x: number) => (x / 1024 ** 2).toFixed(2);
if (!b) {
  process.stdout.write(`${a}: ${mb(total(first))} MB in the JS heap\n`);
  for (const [k, v] of [...first.entries()].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, 25))
    process.stdout.write(`${mb(v.bytes).padStart(8)} MB  ${String(v.count).padStart(8)}  ${k}\n`);
} else {
  const second = await tally(b);
  process.stdout.write(`heap ${mb(total(first))} MB -> ${mb(total(second))} MB; grew most:\n`);
  const growth = [...second.entries()].map(([k, v]) => {
    const f = first.get(k) ?? { count: 0, bytes: 0 };
    return { k, bytes: v.bytes - f.bytes, count: v.count - f.count };
  });
  for (const g of growth.sort((x, y) => y.bytes - x.bytes).slice(0, 25))
    process.stdout.write(`${mb(g.bytes).padStart(8)} MB  ${String(g.count).padStart(8)}  ${g.k}\n`);
}
