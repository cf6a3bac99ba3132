import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SectionResult } from '../../bench/support/types.js';
import { SECTIONS } from '../../bench/sections.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// The benchmarks need real Postgres (pgbench, graphile-worker): this keeps the harness working in CI.
describe.skipIf(!process.env.TEST_DATABASE_URL)('npm run bench:smoke', () => {
  it('runs every section at tiny sizes and reports numbers for each', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tickwork-bench-'));
    try {
      const out = path.join(dir, 'smoke.md');
      const env = { ...process.env, BENCH_DATABASE_URL: process.env.TEST_DATABASE_URL };
      await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', out], { cwd: ROOT, env, maxBuffer: 64 * 2 ** 20 });
      const { sections } = JSON.parse(await readFile(path.join(dir, 'smoke.json'), 'utf8')) as { sections: SectionResult[] };
      expect(sections.map((s) => s.id)).toEqual(SECTIONS.map((s) => s.id));
      for (const section of sections) {
        expect(section.error, section.id).toBeUndefined();
        expect(Object.keys(section.metrics).length, section.id).toBeGreaterThan(0);
        for (const [name, value] of Object.entries(section.metrics)) expect(Number.isFinite(value), `${section.id}.${name}`).toBe(true);
      }
      expect(await readFile(out, 'utf8')).toContain('## Targets');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
