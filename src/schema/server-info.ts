import { builder } from './builder.js';
import type { ServerInfo } from './context.js';

const ServerInfoRef = builder.objectRef<ServerInfo>('ServerInfo').implement({
  description: 'The Tickwork process answering this request.',
  fields: (t) => ({
    version: t.exposeString('version', { description: 'Tickwork release.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When this process started.' }),
    embeddedDatabase: t.exposeBoolean('embeddedDatabase', {
      description: 'True when running on the embedded PGlite database rather than an external Postgres.',
    }),
  }),
});

builder.queryType({ description: 'Reads. Every field needs a token; tasks, runs and logs need READ_TASKS.' });
builder.mutationType({ description: 'Writes. Results are unions of a Success type and typed errors that implement `Error`.' });

builder.queryFields((t) => ({
    server: t.field({
      type: ServerInfoRef,
      description: 'Version and start time of the server.',
      resolve: (_root, _args, ctx) => ctx.server,
    }),
}));
