-- AlterTable
ALTER TABLE "ManualRequest" ADD COLUMN     "trigger" "RunTrigger" NOT NULL DEFAULT 'manual';
