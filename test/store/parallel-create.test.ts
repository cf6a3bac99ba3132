import { expect, it } from 'vitest';
import { createPrismaClient } from '../../src/db/prisma.js';
import { InProcessEventBus } from '../../src/events/index.js';
import { createStore, NotFoundError, type ID } from '../../src/store/index.js';
import { S, useStore } from '../helpers/store.js';

const f = useStore();

const CREATES = 400;

it('scenario 30: 400 creates in parallel while another process lists and deletes: no errors but not-found', async () => {
  const owner = await f.tenant();
  const otherClient = createPrismaClient(f.db.url, 2);
  const other = await createStore(otherClient, new InProcessEventBus());
  const errors: unknown[] = [];
  const deleted = new Set<ID>();
  let creating = true;

  async function listAndDelete(): Promise<void> {
    while (creating) {
      for (let after: ID | undefined, page = [] as ID[]; ; after = page.at(-1)) {
        page = (await other.listTasks({ orgId: owner.orgId, after, pageSize: 50 })).map((t) => t.task.id);
        if (page.length === 0) break;
        // Every other task goes, and each of those twice: the second delete must just say false.
        for (const id of page.filter((_, i) => i % 2 === 0)) {
          await Promise.all([other.deleteTask(id), other.deleteTask(id)]).then(([a, b]) => expect(a !== b).toBe(true), (e) => errors.push(e));
          deleted.add(id);
          await other.findTaskMetaById(id).catch((e: unknown) => e instanceof NotFoundError || errors.push(e));
        }
      }
    }
  }

  const worker = listAndDelete();
  const created = await Promise.allSettled(Array.from({ length: CREATES }, () => f.store.createTask({ ...owner, script: S })));
  creating = false;
  await worker;
  await other.close();
  await otherClient.$disconnect();

  expect(created.filter((r) => r.status === 'rejected')).toEqual([]);
  expect(errors).toEqual([]);
  const remaining = [];
  for (let page = await f.store.listTasks({ orgId: owner.orgId, pageSize: 500 }); page.length > 0; ) {
    remaining.push(...page);
    page = await f.store.listTasks({ orgId: owner.orgId, pageSize: 500, after: page.at(-1)!.task.id });
  }
  expect(remaining.length + deleted.size).toBe(CREATES);
  expect(remaining.every((t) => t.meta.taskId === t.task.id && !deleted.has(t.task.id))).toBe(true);
  expect(await f.db.prisma.taskMeta.count({ where: { taskId: { in: [...deleted] } } })).toBe(0);
}, 120_000);
