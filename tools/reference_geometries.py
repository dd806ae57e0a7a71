#!/usr/bin/env python3
"""Reference 3D geometries of the playground's example molecules (app/ui/chem/examples.ts).

The 3D->2D panel's "Use reference geometry" takes a molecule's geometry from the shipped data
sets when they hold it, else from public/data/examples.sdf, written by this script: RDKit ETKDG
(v3, fixed random seed) embedding with hydrogens, MMFF94 optimisation, then hydrogens removed
(the model reads heavy atoms). Atom order: RDKit's parse of the example's SMILES. Run rarely, by
hand, with Debian's python3-rdkit; the output is committed:

    /usr/bin/python3 tools/reference_geometries.py [--seed 20261207] [--out public/data/examples.sdf]
"""
import argparse
import re
import sys
from pathlib import Path

from rdkit import Chem, rdBase
from rdkit.Chem import AllChem

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "app" / "ui" / "chem" / "examples.ts"


def read_examples(path: Path):
    """(name, smiles) of every `{ name: '...', smiles: '...' }` entry, in file order."""
    text = path.read_text(encoding="utf-8")
    found = re.findall(r"\{\s*name:\s*'([^']+)',\s*smiles:\s*'([^']+)'", text)
    if not found:
        sys.exit(f"no examples found in {path}")
    return found


def embed(name: str, smiles: str, seed: int) -> Chem.Mol:
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise ValueError(f"{name}: RDKit cannot parse {smiles!r}")
    molh = Chem.AddHs(mol)
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    if AllChem.EmbedMolecule(molh, params) != 0:
        raise ValueError(f"{name}: ETKDG embedding failed")
    if not AllChem.MMFFHasAllMoleculeParams(molh):
        raise ValueError(f"{name}: MMFF94 has no parameters for it")
    status = AllChem.MMFFOptimizeMolecule(molh, maxIters=2000)
    if status != 0:
        raise ValueError(f"{name}: MMFF94 did not converge (status {status})")
    heavy = Chem.RemoveHs(molh)
    heavy.SetProp("_Name", name)
    heavy.SetProp("smiles", smiles)
    heavy.SetProp("method", f"RDKit {rdBase.rdkitVersion} ETKDGv3 (seed {seed}) + MMFF94, hydrogens removed")
    return heavy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--out", type=Path, default=ROOT / "public" / "data" / "examples.sdf")
    args = ap.parse_args()
    writer = Chem.SDWriter(str(args.out))
    for name, smiles in read_examples(EXAMPLES):
        mol = embed(name, smiles, args.seed)
        writer.write(mol)
        print(f"{name}: {mol.GetNumAtoms()} heavy atoms")
    writer.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
