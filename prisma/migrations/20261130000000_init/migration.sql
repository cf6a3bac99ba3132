-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('active', 'inactive');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('scheduled', 'started', 'success', 'failed', 'canceled');

-- CreateEnum
CREATE TYPE "RunTrigger" AS ENUM ('scheduled', 'manual', 'retry');

-- CreateEnum
CREATE TYPE "Catchup" AS ENUM ('all', 'latest', 'none');

-- CreateEnum
CREATE TYPE "RunEventKind" AS ENUM ('state', 'log');

-- CreateTable
CREATE TABLE "Org" (
    "id" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Org_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" BIGINT NOT NULL,
    "orgId" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Token" (
    "id" BIGINT NOT NULL,
    "orgId" BIGINT NOT NULL,
    "userId" BIGINT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "secretHash" TEXT NOT NULL,
    "permissions" TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Task" (
    "id" BIGINT NOT NULL,
    "orgId" BIGINT NOT NULL,
    "userId" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "script" TEXT NOT NULL,
    "status" "TaskStatus" NOT NULL DEFAULT 'active',
    "every" INTEGER,
    "cron" TEXT,
    "offset" INTEGER NOT NULL DEFAULT 0,
    "concurrency" INTEGER NOT NULL DEFAULT 1,
    "retry" INTEGER NOT NULL DEFAULT 1,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "catchup" "Catchup" NOT NULL DEFAULT 'all',
    "timeoutMs" INTEGER,
    "executor" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TaskMeta" (
    "taskId" BIGINT NOT NULL,
    "maxConcurrency" INTEGER NOT NULL,
    "latestCompleted" BIGINT NOT NULL,
    "effectiveCron" TEXT NOT NULL,
    "offset" INTEGER NOT NULL,
    "nextDue" BIGINT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TaskMeta_pkey" PRIMARY KEY ("taskId")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" BIGINT NOT NULL,
    "taskId" BIGINT NOT NULL,
    "orgId" BIGINT NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'scheduled',
    "trigger" "RunTrigger" NOT NULL,
    "scheduledFor" BIGINT NOT NULL,
    "runAt" BIGINT NOT NULL,
    "requestedAt" BIGINT,
    "try" INTEGER NOT NULL DEFAULT 1,
    "inProgress" BOOLEAN NOT NULL DEFAULT true,
    "availableAt" TIMESTAMPTZ(3) NOT NULL,
    "queue" TEXT,
    "leaseHolder" TEXT,
    "leaseExpiresAt" TIMESTAMPTZ(3),
    "cancelRequestedAt" TIMESTAMPTZ(3),
    "error" TEXT,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunLog" (
    "id" BIGSERIAL NOT NULL,
    "runId" BIGINT NOT NULL,
    "taskId" BIGINT NOT NULL,
    "orgId" BIGINT NOT NULL,
    "seq" INTEGER NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL,
    "message" TEXT NOT NULL,

    CONSTRAINT "RunLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ManualRequest" (
    "id" BIGSERIAL NOT NULL,
    "taskId" BIGINT NOT NULL,
    "start" BIGINT NOT NULL,
    "end" BIGINT NOT NULL,
    "requestedAt" BIGINT NOT NULL,
    "latestCompleted" BIGINT NOT NULL,
    "runId" BIGINT,

    CONSTRAINT "ManualRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SkippedOccurrence" (
    "id" BIGSERIAL NOT NULL,
    "taskId" BIGINT NOT NULL,
    "scheduledFor" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SkippedOccurrence_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunEvent" (
    "seq" BIGSERIAL NOT NULL,
    "kind" "RunEventKind" NOT NULL,
    "orgId" BIGINT NOT NULL,
    "taskId" BIGINT NOT NULL,
    "runId" BIGINT NOT NULL,
    "status" "RunStatus",
    "logSeq" INTEGER,
    "message" TEXT,
    "when" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RunEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "User_orgId_idx" ON "User"("orgId");

-- CreateIndex
CREATE UNIQUE INDEX "Token_secretHash_key" ON "Token"("secretHash");

-- CreateIndex
CREATE INDEX "Token_orgId_idx" ON "Token"("orgId");

-- CreateIndex
CREATE INDEX "Token_userId_idx" ON "Token"("userId");

-- CreateIndex
CREATE INDEX "Task_orgId_id_idx" ON "Task"("orgId", "id");

-- CreateIndex
CREATE INDEX "Task_userId_id_idx" ON "Task"("userId", "id");

-- CreateIndex
CREATE INDEX "TaskMeta_nextDue_idx" ON "TaskMeta"("nextDue");

-- CreateIndex
CREATE INDEX "Run_taskId_scheduledFor_id_idx" ON "Run"("taskId", "scheduledFor" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Run_taskId_inProgress_idx" ON "Run"("taskId", "inProgress");

-- CreateIndex
CREATE INDEX "Run_status_availableAt_idx" ON "Run"("status", "availableAt");

-- CreateIndex
CREATE INDEX "Run_orgId_idx" ON "Run"("orgId");

-- CreateIndex
CREATE INDEX "RunLog_taskId_id_idx" ON "RunLog"("taskId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "RunLog_runId_seq_key" ON "RunLog"("runId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "ManualRequest_taskId_start_end_key" ON "ManualRequest"("taskId", "start", "end");

-- CreateIndex
CREATE UNIQUE INDEX "SkippedOccurrence_taskId_scheduledFor_key" ON "SkippedOccurrence"("taskId", "scheduledFor");

-- CreateIndex
CREATE INDEX "RunEvent_taskId_seq_idx" ON "RunEvent"("taskId", "seq");

-- CreateIndex
CREATE INDEX "RunEvent_runId_seq_idx" ON "RunEvent"("runId", "seq");

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Token" ADD CONSTRAINT "Token_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Token" ADD CONSTRAINT "Token_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TaskMeta" ADD CONSTRAINT "TaskMeta_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunLog" ADD CONSTRAINT "RunLog_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunLog" ADD CONSTRAINT "RunLog_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ManualRequest" ADD CONSTRAINT "ManualRequest_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SkippedOccurrence" ADD CONSTRAINT "SkippedOccurrence_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunEvent" ADD CONSTRAINT "RunEvent_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunEvent" ADD CONSTRAINT "RunEvent_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Not expressible in schema.prisma: one natural run per (task, tick), so racing schedulers cannot duplicate a tick.
CREATE UNIQUE INDEX "Run_natural_taskId_scheduledFor_key" ON "Run"("taskId", "scheduledFor") WHERE "trigger" = 'scheduled';

-- Not expressible in schema.prisma: hands each process sharing the database its own ID-generator machine number.
CREATE SEQUENCE "tickwork_machine_id" AS INTEGER MINVALUE 0 MAXVALUE 1023 CYCLE;
