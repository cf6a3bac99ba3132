-- Claiming takes the oldest due runs in (availableAt, id) order. The (status, availableAt) index gave no
-- id order, so every claim sorted the whole backlog of scheduled runs; this one is read in order and
-- stops at the claim's LIMIT. Partial, like the natural-run key, so Prisma's schema does not list it.
CREATE INDEX "Run_claimable_availableAt_id_idx" ON "Run"("availableAt", "id") WHERE "status" = 'scheduled';
