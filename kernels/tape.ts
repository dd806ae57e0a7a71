/**
 * Autograd tape. Each op that produces a tensor from inputs that need gradients pushes one entry:
 * a backward closure that reads the output's gradient and accumulates (+=) into its inputs'
 * gradients. `backward()` runs the entries in reverse order, encoding their kernels into the same
 * command encoder as the forward pass, so a whole training step is one submit.
 */
export interface TapeEntry {
  op: string;
  backward: () => void;
}

export class Tape {
  private entries: TapeEntry[] = [];
  private gradDepth = 0;

  /** True unless inside `noGrad`. */
  get recording(): boolean {
    return this.gradDepth === 0;
  }

  push(op: string, backward: () => void): void {
    if (this.recording) this.entries.push({ op, backward });
  }

  get length(): number {
    return this.entries.length;
  }

  /** Runs every recorded backward in reverse order and clears the tape. */
  runBackward(): void {
    const entries = this.entries;
    this.entries = [];
    for (let i = entries.length - 1; i >= 0; i--) entries[i].backward();
  }

  clear(): void {
    this.entries = [];
  }

  /** Runs `fn` without recording (sampling, evaluation). */
  noGrad<T>(fn: () => T): T {
    this.gradDepth++;
    try {
      return fn();
    } finally {
      this.gradDepth--;
    }
  }
}
