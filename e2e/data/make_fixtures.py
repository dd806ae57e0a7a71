"""Deterministic 3D fixtures for the e2e specs (run with Debian's /usr/bin/python3 + python3-rdkit).

alanine_3d.sdf: L-alanine, heavy atoms, ETKDGv3 + MMFF94 (seed 7).
pyridine_heavy.xyz: pyridine heavy atoms only (no hydrogens), from the same recipe, so the 3D->2D
panel must perceive its bonds from distances.
"""
from rdkit import Chem
from rdkit.Chem import AllChem


def embed(smiles: str) -> Chem.Mol:
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    params = AllChem.ETKDGv3()
    params.randomSeed = 7
    assert AllChem.EmbedMolecule(mol, params) == 0
    AllChem.MMFFOptimizeMolecule(mol)
    return Chem.RemoveHs(mol)


ala = embed('C[C@H](N)C(=O)O')
ala.SetProp('_Name', 'L-alanine')
with open('alanine_3d.sdf', 'w') as f:
    f.write(Chem.MolToMolBlock(ala))
    f.write('$$$$\n')

pyr = embed('c1ccncc1')
conf = pyr.GetConformer()
with open('pyridine_heavy.xyz', 'w') as f:
    f.write(f'{pyr.GetNumAtoms()}\npyridine, heavy atoms only\n')
    for a in pyr.GetAtoms():
        p = conf.GetAtomPosition(a.GetIdx())
        f.write(f'{a.GetSymbol():2s} {p.x:12.6f} {p.y:12.6f} {p.z:12.6f}\n')
