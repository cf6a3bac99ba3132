import { formatId } from '../store/id.js';
import { PERMISSIONS, type Authorization } from '../store/types.js';
import { builder } from './builder.js';

const PermissionEnum = builder.enumType('Permission', {
  description: 'What a token may do.',
  values: Object.fromEntries(
    PERMISSIONS.map((p) => [p.replace(':', '_').toUpperCase(), { value: p }]),
  ) as Record<string, { value: (typeof PERMISSIONS)[number] }>,
});

const ViewerRef = builder.objectRef<Authorization>('Viewer').implement({
  description: 'The token this request was made with.',
  fields: (t) => ({
    tokenId: t.field({ type: 'ID', description: 'The token.', resolve: (v) => formatId(v.id) }),
    orgId: t.field({ type: 'ID', description: 'Its org: the only one whose data the token sees.', resolve: (v) => formatId(v.orgId) }),
    userId: t.field({ type: 'ID', description: 'The user it belongs to.', resolve: (v) => formatId(v.userId) }),
    orgName: t.string({
      description: 'Name of the org.',
      resolve: async (v, _args, ctx) => (await ctx.prisma.org.findUniqueOrThrow({ where: { id: v.orgId } })).name,
    }),
    userName: t.string({
      description: 'Name of the user.',
      resolve: async (v, _args, ctx) => (await ctx.prisma.user.findUniqueOrThrow({ where: { id: v.userId } })).name,
    }),
    permissions: t.field({ type: [PermissionEnum], description: 'What it may do (ADMIN implies all).', resolve: (v) => v.permissions }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({ type: ViewerRef, description: 'Who the token belongs to.', resolve: (_root, _args, ctx) => ctx.viewer }),
}));
