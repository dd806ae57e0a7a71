/**
 * Issue 12: the CLI warns, as the tab does, when a molecule is outside the checkpoint's training data.
 */
import { describe, expect, it } from 'vitest';
import { trainingDomainWarning } from './cliSupport';

describe('training-domain warning', () => {
  it('names the elements and the size outside QM9-like, and stays quiet inside it or for an unknown data set', () => {
    expect(trainingDomainWarning('qm9like', ['C', 'C', 'O'])).toBeNull();
    const w = trainingDomainWarning('qm9like', ['C', 'S', 'Cl', ...Array(8).fill('C')]);
    expect(w).toMatch(/outside what the checkpoint was trained on/);
    expect(w).toMatch(/it has S, Cl/);
    expect(w).toMatch(/it has 11 heavy atoms/);
    expect(trainingDomainWarning(null, ['Si'])).toBeNull();
    expect(trainingDomainWarning('someothername', ['Si'])).toBeNull();
  });
});
