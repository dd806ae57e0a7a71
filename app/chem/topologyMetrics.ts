/**
 * Judging a recovered 2D graph against the input's, atom for atom (the 3D input fixes the atom
 * order, so no graph matching is needed).
 *
 * - exact: every atom type and every pair's bond code (0 none, 1-3, 4 aromatic) equal.
 * - bond accuracy: pairs with the right code among the pairs bonded in either graph
 *   (|correct bonds| / |bonds of the input ∪ bonds predicted|), so missing and extra bonds both
 *   count against it; non-bonded pairs that stay non-bonded do not inflate it.
 */
export interface TopologyComparison {
  exact: boolean;
  atomsCorrect: number;
  atoms: number;
  /** Bonds (pairs) whose code matches, and the size of the union of bonded pairs. */
  bondsCorrect: number;
  bondsUnion: number;
  bondAccuracy: number;
}

export function compareTopology(refAtoms: readonly number[], refCodes: Uint8Array, predAtoms: readonly number[], predCodes: Uint8Array): TopologyComparison {
  const n = refAtoms.length;
  if (predAtoms.length !== n || refCodes.length !== n * n || predCodes.length !== n * n) {
    throw new Error(`compareTopology: sizes differ (reference ${n} atoms / ${refCodes.length} codes, predicted ${predAtoms.length} / ${predCodes.length})`);
  }
  let atomsCorrect = 0;
  for (let i = 0; i < n; i++) if (refAtoms[i] === predAtoms[i]) atomsCorrect++;
  let correct = 0;
  let union = 0;
  let allPairs = true;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const r = refCodes[i * n + j];
      const p = predCodes[i * n + j];
      if (r !== p) allPairs = false;
      if (r === 0 && p === 0) continue;
      union++;
      if (r === p) correct++;
    }
  }
  return {
    exact: allPairs && atomsCorrect === n,
    atomsCorrect,
    atoms: n,
    bondsCorrect: correct,
    bondsUnion: union,
    bondAccuracy: union === 0 ? 1 : correct / union,
  };
}

/** "87.5% (7/8)"; with no bond in either graph there is nothing to score, so no percentage. */
export function formatBondAccuracy(c: { bondsCorrect: number; bondsUnion: number }): string {
  if (c.bondsUnion === 0) return 'n/a (no bonds in either graph)';
  return `${(100 * c.bondsCorrect / c.bondsUnion).toFixed(1)}% (${c.bondsCorrect}/${c.bondsUnion})`;
}
