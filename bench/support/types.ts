/** A markdown table: header cells and rows of already formatted cells. */
export interface Table {
  caption?: string;
  head: string[];
  rows: string[][];
}

/** A goal from the issue and whether this run reached it. */
export interface Target {
  goal: string;
  actual: string;
  met: boolean;
}

/** What one benchmark reports; `metrics` are the raw figures (the smoke test checks they are numbers). */
export interface SectionReport {
  method: string[];
  commands: string[];
  tables: Table[];
  targets: Target[];
  metrics: Record<string, number>;
  notes: string[];
}

export interface SectionResult extends SectionReport {
  id: string;
  title: string;
  seconds: number;
  error?: string;
}

export interface BenchContext {
  smoke: boolean;
  /** Server and database of the Postgres under test (its `postgres` database). */
  adminUrl: string;
  log(message: string): void;
}

export interface Benchmark {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<SectionReport>;
}
