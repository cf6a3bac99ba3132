import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/store/prisma/batcher.js';

/** A send that holds each batch until released, and records what it was given. */
function heldSend() {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const send = (inputs: number[]) => {
    batches.push(inputs);
    return new Promise<string[]>((resolve) => releases.push(() => resolve(inputs.map((n) => `done ${n}`))));
  };
  return { batches, send, release: () => releases.shift()!() };
}

describe('Batcher', () => {
  it('sends one input at once, then everything that arrived meanwhile in one batch, answering each caller', async () => {
    const held = heldSend();
    const batcher = new Batcher(held.send, (n) => n, 10);
    const first = batcher.add(1);
    const rest = [2, 3, 4].map((n) => batcher.add(n));
    expect(held.batches).toEqual([[1]]);
    held.release();
    expect(await first).toBe('done 1');
    await expect.poll(() => held.batches).toEqual([[1], [2, 3, 4]]);
    held.release();
    expect(await Promise.all(rest)).toEqual(['done 2', 'done 3', 'done 4']);
  });

  it('keeps inputs with the same key apart and stays within the maximum', async () => {
    const held = heldSend();
    const batcher = new Batcher(held.send, (n) => n % 10, 2);
    const all = [1, 11, 2, 3].map((n) => batcher.add(n));
    held.release();
    await expect.poll(() => held.batches.length).toBe(2);
    held.release();
    await expect.poll(() => held.batches.length).toBe(3);
    held.release();
    await Promise.all(all);
    expect(held.batches).toEqual([[1], [11, 2], [3]]);
  });

  it('rejects every caller of a batch whose send fails, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new Batcher(async (inputs: number[]) => {
      if (calls++ === 0) throw new Error('database gone');
      return inputs.map(String);
    }, (n) => n, 10);
    const failed = batcher.add(1);
    await expect(failed).rejects.toThrow('database gone');
    expect(await batcher.add(2)).toBe('2');
  });
});
