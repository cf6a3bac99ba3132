import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import './enums.js';
import './server-info.js';
import './viewer.js';
import './task.js';
import './task-meta.js';
import './update-task.js';
import './run.js';
import './log.js';
import './skipped-occurrence.js';
import './manual-run.js';
import './next-runs.js';
import './run-events.js';
import './worker.js';

export const schema = builder.toSchema({ sortSchema: true });
