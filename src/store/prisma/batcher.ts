interface Waiting<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends what is added in batches, one batch at a time: whatever arrives while a batch is on its way goes
 * in the next. Alone, an input goes at once; under load, one statement serves many. Inputs with the
 * same key never share a batch.
 */
export class Batcher<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private sending = false;

  constructor(
    private readonly send: (inputs: I[]) => Promise<O[]>,
    private readonly key: (input: I) => unknown,
    private readonly max: number,
  ) {}

  add(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.waiting.length > 0) await this.sendOne(this.take());
    } finally {
      this.sending = false;
    }
  }

  private take(): Waiting<I, O>[] {
    const keys = new Set<unknown>();
    const batch: Waiting<I, O>[] = [];
    for (let i = 0; i < this.waiting.length && batch.length < this.max; ) {
      const key = this.key(this.waiting[i]!.input);
      if (keys.has(key)) i++;
      else batch.push(...this.waiting.splice(i, 1)), keys.add(key);
    }
    return batch;
  }

  private async sendOne(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const outputs = await this.send(batch.map((w) => w.input));
      batch.forEach((w, i) => w.resolve(outputs[i]!));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
