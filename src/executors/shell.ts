import { formatId } from '../store/id.js';
import type { Executor } from './executor.js';
import { runScript, scriptEnvironment } from './script-process.js';

/** `/bin/sh -c <body>` (see runScript): stdout and stderr lines become log lines, exit 0 is success. */
export const shellExecutor: Executor = {
  execute: (req, log) =>
    runScript({
      command: ['/bin/sh'],
      script: req.body,
      env: scriptEnvironment({ taskId: formatId(req.task.id), runId: formatId(req.run.id), scheduledFor: req.scheduledFor, try: req.try }),
      signal: req.signal,
      onLine: log,
    }),
};
