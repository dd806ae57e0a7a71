#!/usr/bin/python3
"""Writes app/data/fixtures/tiny.bin with the Python writer (tools/dsbuild/pack.py) and, next to
it, tiny.json: what the file must decode to, computed here from RDKit and xtb, so the TS reader is
tested against a file it did not write. Runs the real build steps on five molecules (~2 s):

    /usr/bin/python3 tools/make_fixture.py
"""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from dsbuild.conformers import baseline_conformers, molecule_seed, relax_qm9_like  # noqa: E402
from dsbuild.featurize import finalize  # noqa: E402
from dsbuild.pack import pack_dataset  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "app", "data", "fixtures")
SEED = 7
# A lone atom (no bonds), an aromatic ring, a stereocentre, a stereo double bond, a 3-ring nitrile.
SMILES = ["O", "Oc1ccccc1", "C[C@H](N)C(=O)O", "F/C=C/F", "N#CC1CC1"]
SPLITS = ["train", "test", "valid", "test", "train"]


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    mols = []
    for i, (smi, split) in enumerate(zip(SMILES, SPLITS)):
        rec = relax_qm9_like(smi, SEED)
        if rec["status"] != "ok":
            raise SystemExit(f"fixture molecule {smi}: {rec['status']}")
        m, why = finalize(smi, rec["xyz"])
        if m is None:
            raise SystemExit(f"fixture molecule {smi}: {why}")
        m["labels"] = [rec["gap"], rec["dipole"], rec["energy"]]
        m["split"] = split
        m["source"] = i % 2
        m["baseline"] = baseline_conformers(m["smiles"], molecule_seed(SEED, m["smiles"], 7), 2)[0] if split == "test" else []
        mols.append(m)
    scaffolds = sorted({m["scaffold"] for m in mols})
    for m in mols:
        m["scaffold_id"] = scaffolds.index(m["scaffold"])
    meta = {"name": "tiny-fixture", "labelNames": ["gap", "dipole", "energy"], "labelUnits": ["eV", "D", "Eh"],
            "splitNames": ["train", "valid", "test"], "seed": SEED}
    data = pack_dataset(mols, meta, 3, len(scaffolds))
    with open(os.path.join(OUT, "tiny.bin"), "wb") as f:
        f.write(data)
    f32 = lambda xs: np.asarray(xs, dtype=np.float32).ravel().tolist()  # noqa: E731  what f32 storage holds
    expected = {
        "meta": meta, "numScaffolds": len(scaffolds), "scaffolds": scaffolds,
        "molecules": [{
            "smiles": m["smiles"], "numAtoms": len(m["atom_features"]),
            "atomFeatures": [v for row in m["atom_features"] for v in row],
            "bonds": [v for row in m["bonds"] for v in row],
            "bondFeatures": [v for row in m["bond_features"] for v in row],
            "positions": f32(m["positions"]), "labels": f32(m["labels"]), "split": m["split"],
            "scaffoldId": m["scaffold_id"], "source": ["enumeration", "nci"][m["source"]],
            "baselinePositions": [f32(c) for c in m["baseline"]],
        } for m in mols],
    }
    with open(os.path.join(OUT, "tiny.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print(f"wrote {len(data)} bytes, {len(mols)} molecules to {OUT}")


if __name__ == "__main__":
    main()
