import { builder } from './builder.js';
import './scalars.js';
import './server-info.js';
import './run-events.js';

export const schema = builder.toSchema({ sortSchema: true });
