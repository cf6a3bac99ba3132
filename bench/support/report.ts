import type { Machine } from './machine.js';
import type { SectionResult, Table } from './types.js';

export interface ReportInput {
  smoke: boolean;
  startedAt: Date;
  seconds: number;
  machine: Machine;
  sections: SectionResult[];
}

const row = (cells: string[]): string => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;

function table({ caption, head, rows }: Table): string[] {
  return [...(caption ? [`**${caption}**`, ''] : []), row(head), row(head.map(() => '---')), ...rows.map(row), ''];
}

const verdict = (met: boolean): string => (met ? 'met' : '**missed**');

function summary(sections: SectionResult[]): string[] {
  const rows = sections.flatMap((s) => s.targets.map((t) => [s.title, t.goal, t.actual, verdict(t.met)]));
  const failed = sections.filter((s) => s.error).map((s) => [s.title, 'section completes', s.error!, '**failed**']);
  return table({ head: ['section', 'target', 'this run', 'verdict'], rows: [...rows, ...failed] });
}

function section(s: SectionResult, index: number): string[] {
  const lines = [`## ${index + 1}. ${s.title}`, '', ...s.method.map((m) => `- ${m}`), ''];
  if (s.error) lines.push(`**This section failed:** \`${s.error}\``, '');
  if (s.commands.length) lines.push('Commands:', '', '```sh', ...s.commands, '```', '');
  for (const t of s.tables) lines.push(...table(t));
  if (s.targets.length) lines.push(...table({ head: ['target', 'this run', 'verdict'], rows: s.targets.map((t) => [t.goal, t.actual, verdict(t.met)]) }));
  if (s.notes.length) lines.push('Notes:', '', ...s.notes.map((n) => `- ${n}`), '');
  lines.push(`_Section time: ${s.seconds.toFixed(0)} s._`, '');
  return lines;
}

export function renderReport({ smoke, startedAt, seconds, machine, sections }: ReportInput): string {
  return [
    `# Benchmarks${smoke ? ' (smoke sizes: not figures to quote)' : ''}`,
    '',
    `Written by \`npm run bench${smoke ? ':smoke' : ''}\` (\`tsx bench/run.ts${smoke ? ' --smoke' : ''}\`), started ${startedAt.toISOString()}, ` +
      `${(seconds / 60).toFixed(1)} minutes in all. Every comparison ran in the same run on the same machine against the same ` +
      'Postgres; absolute figures drift between runs on this shared 2-core machine, so read the ratios. ' +
      'Each section runs in a fresh Node process on fresh databases (`bench_*`, dropped afterwards).',
    '',
    '## Targets',
    '',
    ...summary(sections),
    '## Machine and versions',
    '',
    ...table({ head: ['', ''], rows: machine.rows }),
    ...sections.flatMap(section),
  ].join('\n');
}
