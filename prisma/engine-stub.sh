#!/bin/sh
# Stands in for the schema-engine binary so `prisma generate` skips its download (see README).
echo "schema engine not available offline; migrations are applied by src/db/migrate.ts" >&2
exit 1
