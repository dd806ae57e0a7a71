/**
 * The example gallery. The first group is QM9-sized (<= 9 heavy atoms, C/N/O/F), the size the
 * shipped model was trained on; the second is larger drug-like molecules, which the model can be
 * run on but has seen nothing like.
 */
export interface Example {
  name: string;
  smiles: string;
  note?: string;
}

export const QM9_LIKE: Example[] = [
  { name: 'Ethanol', smiles: 'CCO' },
  { name: 'Acetic acid', smiles: 'CC(=O)O' },
  { name: 'Acetone', smiles: 'CC(C)=O' },
  { name: 'Glycine', smiles: 'NCC(=O)O' },
  { name: 'L-Alanine', smiles: 'C[C@H](N)C(=O)O', note: 'one stereocentre (S)' },
  { name: 'Benzene', smiles: 'c1ccccc1' },
  { name: 'Pyridine', smiles: 'c1ccncc1' },
  { name: 'Phenol', smiles: 'Oc1ccccc1' },
  { name: 'Furan', smiles: 'c1ccoc1' },
  { name: 'Cyclohexanol', smiles: 'OC1CCCCC1' },
  { name: 'Pyrimidine', smiles: 'c1cncnc1' },
  { name: 'Trifluoroethanol', smiles: 'OCC(F)(F)F' },
  { name: 'Acrylonitrile', smiles: 'C=CC#N' },
  { name: 'Caprolactam', smiles: 'O=C1CCCCCN1' },
];

export const DRUG_LIKE: Example[] = [
  { name: 'Paracetamol', smiles: 'CC(=O)Nc1ccc(O)cc1' },
  { name: 'Aspirin', smiles: 'CC(=O)Oc1ccccc1C(=O)O' },
  { name: 'Caffeine', smiles: 'Cn1cnc2c1c(=O)n(C)c(=O)n2C' },
  { name: 'Ibuprofen', smiles: 'CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O' },
  { name: 'Serotonin', smiles: 'NCCc1c[nH]c2ccc(O)cc12' },
  { name: 'Nicotine', smiles: 'CN1CCC[C@H]1c1cccnc1' },
];

export const ALL_EXAMPLES = [...QM9_LIKE, ...DRUG_LIKE];
