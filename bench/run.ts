import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { forkTs } from './support/child.js';
import { describeMachine } from './support/machine.js';
import { renderReport } from './support/report.js';
import type { SectionReport, SectionResult } from './support/types.js';
import { SECTIONS } from './sections.js';

// npm run bench [-- --only a,b] [--out FILE] [--profile]: every benchmark in sequence, each in its own
// process, then BENCHMARKS.md (report) and BENCHMARKS.json (raw results). --smoke: tiny sizes, temp files.

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
});
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const out = path.resolve(args.out ?? (args.smoke ? path.join(os.tmpdir(), `tickwork-bench-smoke-${process.pid}.md`) : 'BENCHMARKS.md'));
const SECTION_LIMIT_MS = (args.smoke ? 2 : 8) * 60_000;

function runSection(id: string): Promise<{ title: string; report: SectionReport }> {
  const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(os.tmpdir(), 'tickwork-bench-profiles')}`] : [];
  const child = forkTs(new URL('./section.ts', import.meta.url), [id], {
    execArgv: profile,
    env: { ...process.env, BENCH_DATABASE_URL: adminUrl, BENCH_SMOKE: args.smoke ? '1' : '0' },
  });
  return new Promise((resolve, reject) => {
    let result: { title: string; report: SectionReport } | null = null;
    const watchdog = setTimeout(() => child.kill('SIGKILL'), SECTION_LIMIT_MS);
    child.on('message', (message) => (result = message as typeof result));
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (result) resolve(result);
      else reject(new Error(`section process exited with ${signal ?? `code ${code}`}`));
    });
  });
}

async function measure(id: string): Promise<SectionResult> {
  const started = performance.now();
  process.stderr.write(`=== ${id}\n`);
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const { title, report } = await runSection(id);
    return { id, title, ...report, seconds: seconds() };
  } catch (err) {
    const empty = { method: [], commands: [], tables: [], targets: [], metrics: {}, notes: [] };
    return { id, title: id, ...empty, seconds: seconds(), error: (err as Error).message };
  }
}

const startedAt = new Date();
const machine = await describeMachine(adminUrl);
const only = args.only?.split(',');
const sections: SectionResult[] = [];
for (const { id } of SECTIONS.filter((s) => !only || only.includes(s.id))) sections.push(await measure(id));
const seconds = (Date.now() - startedAt.getTime()) / 1000;

await writeFile(out, renderReport({ smoke: args.smoke, startedAt, seconds, machine, sections }));
await writeFile(out.replace(/\.md$/, '') + '.json', JSON.stringify({ smoke: args.smoke, startedAt, seconds, machine, sections }, null, 2) + '\n');
process.stderr.write(`wrote ${out} in ${(seconds / 60).toFixed(1)} min\n`);
process.exitCode = sections.some((s) => s.error) ? 1 : 0;
