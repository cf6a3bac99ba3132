import { SECTIONS } from './sections.js';

// One benchmark in a process of its own (started by bench/run.ts): a fresh heap for RSS figures, no
// handles left over from another section, and a crash that costs one section only.

const [id] = process.argv.slice(2);
const entry = SECTIONS.find((s) => s.id === id);
if (!entry || !process.send) throw new Error(`usage: started by bench/run.ts with one of ${SECTIONS.map((s) => s.id).join(', ')}`);

const bench = (await entry.load()).default;
const report = await bench.run({
  smoke: process.env.BENCH_SMOKE === '1',
  adminUrl: process.env.BENCH_DATABASE_URL!,
  log: (message) => process.stderr.write(`[${id}] ${message}\n`),
});
process.send({ title: bench.title, report }, () => process.exit(0));
