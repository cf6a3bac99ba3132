export { OptionsError } from './errors.js';
export { parseDuration, formatDuration, wholeSeconds } from './duration.js';
export { parseTaskOptions, effectiveCron, MAX_SCRIPT_BYTES, type TaskOptions, type Catchup } from './task-options.js';
export { nextTick, ticksBetween } from './schedule.js';
export { applyOverrides, type OptionOverrides } from './overrides.js';
export { scriptBody } from './parser.js';
