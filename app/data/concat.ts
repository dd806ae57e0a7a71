/**
 * Several packed data sets seen as one (pretraining on qm9like + druglike): molecules are numbered
 * part after part, each keeps its stored split, scaffold ids are offset so parts never share one,
 * and labels are dropped (the parts' label sets differ; pretraining uses none). Records are the
 * parts' own views: nothing is copied.
 */
import type { Dataset, MoleculeRecord } from './dataset';

export function concatDatasets(parts: readonly Dataset[], name = parts.map((p) => p.name).join('+')): Dataset {
  if (parts.length === 0) throw new Error('concatDatasets: no data sets');
  if (parts.length === 1) return parts[0];
  const starts: number[] = [];
  const scaffoldStarts: number[] = [];
  let count = 0;
  let scaffolds = 0;
  for (const p of parts) {
    starts.push(count);
    scaffoldStarts.push(scaffolds);
    count += p.count;
    scaffolds += p.numScaffolds;
  }
  const splitCodes = new Uint8Array(count);
  const scaffoldIds = new Uint32Array(count);
  const atomCounts = new Uint8Array(count);
  parts.forEach((p, k) => {
    splitCodes.set(p.splitCodes, starts[k]);
    atomCounts.set(p.atomCounts, starts[k]);
    for (let i = 0; i < p.count; i++) scaffoldIds[starts[k] + i] = p.scaffoldIds[i] + scaffoldStarts[k];
  });
  const partOf = (i: number): number => {
    if (!(Number.isInteger(i) && i >= 0 && i < count)) throw new RangeError(`${name}: molecule ${i} is out of range (0..${count - 1})`);
    let k = parts.length - 1;
    while (starts[k] > i) k--;
    return k;
  };
  const sum = (f: (p: Dataset) => number) => parts.reduce((a, p) => a + f(p), 0);
  return {
    name,
    meta: { ...parts[0].meta, name, labelNames: [], labelUnits: [] },
    header: {
      ...parts[0].header,
      numMolecules: count,
      numAtoms: sum((p) => p.header.numAtoms),
      numBonds: sum((p) => p.header.numBonds),
      numConformers: sum((p) => p.header.numConformers),
      numBaselineAtoms: sum((p) => p.header.numBaselineAtoms),
      numLabels: 0,
      numScaffolds: scaffolds,
    },
    count,
    numAtoms: sum((p) => p.numAtoms),
    numBonds: sum((p) => p.numBonds),
    numScaffolds: scaffolds,
    splitCodes,
    scaffoldIds,
    atomCounts,
    molecule(i: number): MoleculeRecord {
      const k = partOf(i);
      const r = parts[k].molecule(i - starts[k]);
      return { ...r, index: i, labels: new Float32Array(0), scaffoldId: r.scaffoldId + scaffoldStarts[k] };
    },
  };
}
