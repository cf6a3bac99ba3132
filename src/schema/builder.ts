import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { ForbiddenError } from '../auth/forbidden.js';
import { hasPermission } from '../auth/viewer.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { Permission } from '../store/types.js';
import type { Context } from './context.js';

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  PrismaTypes: PrismaTypes;
  AuthScopes: { permission: Permission };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
  };
}>({
  // Errors before scope-auth, so a missing permission on a mutation becomes its ForbiddenError member.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, _ctx, _info, result) => new ForbiddenError(`forbidden: ${result.message}`),
    authScopes: (ctx) => ({ permission: (p: Permission) => hasPermission(ctx.viewer, p) }),
  },
  errors: {
    defaultTypes: [],
    // createTask → CreateTaskPayload = CreateTaskSuccess { data } | <its error types>
    defaultResultOptions: {
      name: ({ fieldName }) => `${upperFirst(fieldName)}Success`,
      description: 'The mutation succeeded; `data` holds its result.',
    },
    defaultUnionOptions: {
      name: ({ fieldName }) => `${upperFirst(fieldName)}Payload`,
      description: 'What the mutation returned: its Success type, or one of its errors (all implement `Error`).',
    },
  },
  prisma: {
    // Each app (and each test) has its own database, so the client comes from the request context.
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    defaultConnectionSize: 20,
    maxConnectionSize: 500,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'warn',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    defaultConnectionTypeOptions: { description: 'One page of a list (Relay cursor connection).' },
    defaultEdgeTypeOptions: { description: 'One item of a page and the cursor to page after it.' },
    edgesFieldOptions: { description: 'The items of this page.' },
    pageInfoFieldOptions: { description: 'Where this page sits in the whole list.' },
    cursorFieldOptions: { description: 'Pass as `after` to get the items after this one.' },
    nodeFieldOptions: { description: 'The item.' },
    pageInfoTypeOptions: { description: 'Cursors and whether more items exist before or after this page.' },
    hasNextPageFieldOptions: { description: 'More items follow: ask again with `after: endCursor`.' },
    hasPreviousPageFieldOptions: { description: 'Items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of the page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of the page.' },
  },
});
