import { defineConfig } from 'prisma/config';

// The CLI's migrate commands need the native schema engine; on machines that have it they agree with
// our own migrator (src/db/migrate.ts). DATABASE_URL is optional so that `prisma generate` works anywhere.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});
