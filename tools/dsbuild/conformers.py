"""Conformers and labels: RDKit ETKDGv3 -> MMFF94 (UFF fallback) -> optional GFN2-xTB relaxation.

Every molecule gets its own embedding seed derived from the global seed and its SMILES, so a
molecule's result does not depend on which other molecules are in the run or on resume order.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import zlib

from rdkit import Chem
from rdkit.Chem import AllChem

# Covalent radii in Å (Cordero et al. 2008). Two atoms count as bonded when closer than 1.2 x the
# sum of their radii: loose enough for strained ring bonds (~1.6 Å C-C), tight enough to keep
# bicyclo[1.1.1]pentane's bridgeheads (1.87 Å apart) unbonded.
COVALENT_RADIUS = {1: 0.31, 5: 0.84, 6: 0.76, 7: 0.71, 8: 0.66, 9: 0.57, 15: 1.07, 16: 1.05, 17: 1.02, 35: 1.20, 53: 1.39}
BOND_FACTOR = 1.2
HARTREE_BOHR_TO_DEBYE = 2.541746  # 1 e*bohr in Debye


def molecule_seed(global_seed: int, smiles: str, salt: int = 0) -> int:
    """A non-zero 31-bit seed (RDKit 2022.09 treats seed 0 specially: identical conformers)."""
    h = zlib.crc32(f"{global_seed}:{salt}:{smiles}".encode()) & 0x7FFFFFFF
    return h or 1


def embed_mmff(mol_h: Chem.Mol, seed: int, num_confs: int = 1) -> tuple[list[int], str]:
    """Embeds num_confs conformers in place (ETKDGv3), relaxes each with MMFF94 (UFF if MMFF lacks
    parameters). Returns (conformer ids, force field used). Empty ids mean embedding failed."""
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    ids = list(AllChem.EmbedMultipleConfs(mol_h, numConfs=num_confs, params=params))
    if len(ids) < num_confs:
        # Random starting coordinates rescue most molecules the distance-geometry start misses.
        params.useRandomCoords = True
        mol_h.RemoveAllConformers()
        ids = list(AllChem.EmbedMultipleConfs(mol_h, numConfs=num_confs, params=params))
    if not ids:
        return [], "none"
    if AllChem.MMFFHasAllMoleculeParams(mol_h):
        AllChem.MMFFOptimizeMoleculeConfs(mol_h, numThreads=1, maxIters=2000)
        return ids, "MMFF94"
    AllChem.UFFOptimizeMoleculeConfs(mol_h, numThreads=1, maxIters=2000)
    return ids, "UFF"


def bond_set(mol: Chem.Mol) -> set[tuple[int, int]]:
    return {tuple(sorted((b.GetBeginAtomIdx(), b.GetEndAtomIdx()))) for b in mol.GetBonds()}


def distance_bonds(zs: list[int], xyz: list[tuple[float, float, float]]) -> set[tuple[int, int]]:
    """Connectivity implied by interatomic distances (see COVALENT_RADIUS)."""
    out = set()
    n = len(zs)
    for i in range(n):
        for j in range(i + 1, n):
            d = math.dist(xyz[i], xyz[j])
            if d < BOND_FACTOR * (COVALENT_RADIUS[zs[i]] + COVALENT_RADIUS[zs[j]]):
                out.add((i, j))
    return out


def graph_kept(mol_h: Chem.Mol, xyz) -> bool:
    zs = [a.GetAtomicNum() for a in mol_h.GetAtoms()]
    return distance_bonds(zs, xyz) == bond_set(mol_h)


def conformer_xyz(mol: Chem.Mol, conf_id: int = -1) -> list[tuple[float, float, float]]:
    conf = mol.GetConformer(conf_id)
    return [tuple(conf.GetAtomPosition(i)) for i in range(mol.GetNumAtoms())]


_DIPOLE_RE = re.compile(r"molecular dipole:.*?\n.*?\n.*?\n\s*full:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", re.S)


def run_xtb(mol_h: Chem.Mol, timeout_s: float = 300.0) -> dict:
    """GFN2-xTB geometry optimisation of conformer 0. Returns {"status": "ok", "xyz", "energy",
    "gap", "dipole"} or {"status": reason}.

    Dipole: xtb 6.5.1's `--opt --json` writes the dipole of the *starting* geometry into
    xtbout.json (energy and gap there are the final ones; checked against single points), so the
    dipole is read from the last "molecular dipole ... full:" line of stdout, which is printed for
    the optimised geometry, in Debye.
    """
    zs = [a.GetAtomicNum() for a in mol_h.GetAtoms()]
    symbols = [a.GetSymbol() for a in mol_h.GetAtoms()]
    xyz = conformer_xyz(mol_h)
    tmp = tempfile.mkdtemp(prefix="msde-xtb-")
    try:
        with open(os.path.join(tmp, "in.xyz"), "w") as f:
            f.write(f"{len(zs)}\n\n")
            for s, (x, y, z) in zip(symbols, xyz):
                f.write(f"{s} {x:.6f} {y:.6f} {z:.6f}\n")
        env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OMP_STACKSIZE="64M")
        try:
            proc = subprocess.run(
                ["xtb", "in.xyz", "--opt", "--gfn", "2", "--json", "--chrg", "0", "--uhf", "0"],
                cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            return {"status": "xtb_timeout"}
        opt_path = os.path.join(tmp, "xtbopt.xyz")
        json_path = os.path.join(tmp, "xtbout.json")
        if proc.returncode != 0 or not os.path.exists(opt_path) or not os.path.exists(json_path):
            return {"status": "xtb_failed"}
        if os.path.exists(os.path.join(tmp, "NOT_CONVERGED")):
            return {"status": "xtb_not_converged"}

        with open(json_path) as f:
            out = json.load(f)
        with open(opt_path) as f:
            lines = f.read().splitlines()
        n = int(lines[0])
        if n != len(zs):
            return {"status": "xtb_atom_count"}
        new_xyz = []
        for k, line in enumerate(lines[2 : 2 + n]):
            parts = line.split()
            if Chem.GetPeriodicTable().GetAtomicNumber(parts[0].capitalize()) != zs[k]:
                return {"status": "xtb_atom_order"}
            new_xyz.append((float(parts[1]), float(parts[2]), float(parts[3])))
        dips = _DIPOLE_RE.findall(proc.stdout)
        if not dips:
            return {"status": "xtb_no_dipole"}
        dipole = float(dips[-1][3])
        energy = float(out["total energy"])
        gap = float(out["HOMO-LUMO gap/eV"])
        if not all(math.isfinite(v) for v in (dipole, energy, gap)):
            return {"status": "xtb_nonfinite"}
        return {"status": "ok", "xyz": new_xyz, "energy": energy, "gap": gap, "dipole": dipole}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def relax_qm9_like(smiles: str, global_seed: int, use_xtb: bool = True) -> dict:
    """The per-molecule expensive step for the QM9-like set. Atom order: RDKit's parse of `smiles`
    followed by AddHs (hydrogens appended), so heavy atoms are indices 0..n-1."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return {"key": smiles, "status": "parse_failed"}
    mol_h = Chem.AddHs(mol)
    ids, ff = embed_mmff(mol_h, molecule_seed(global_seed, smiles))
    if not ids:
        return {"key": smiles, "status": "embed_failed"}
    if not graph_kept(mol_h, conformer_xyz(mol_h)):
        return {"key": smiles, "status": "ff_graph_changed"}
    if not use_xtb:
        xyz = conformer_xyz(mol_h)
        return {"key": smiles, "status": "ok", "ff": ff, "xyz": _round(xyz)}
    res = run_xtb(mol_h)
    if res["status"] != "ok":
        return {"key": smiles, "status": res["status"], "ff": ff}
    if not graph_kept(mol_h, res["xyz"]):
        return {"key": smiles, "status": "xtb_graph_changed", "ff": ff}
    return {
        "key": smiles, "status": "ok", "ff": ff, "xyz": _round(res["xyz"]),
        "energy": res["energy"], "gap": res["gap"], "dipole": res["dipole"],
    }


def _round(xyz):
    return [[round(c, 5) for c in p] for p in xyz]


def baseline_conformers(smiles: str, seed: int, count: int = 2) -> tuple[list, str]:
    """`count` ETKDGv3 + MMFF94 (UFF fallback) heavy-atom conformers of the stored SMILES, in the
    stored atom order (parse order; AddHs appends hydrogens), each centred by the arithmetic mean.
    Returns (conformers, force field); fewer than `count` conformers when embedding fails."""
    mol = Chem.MolFromSmiles(smiles)
    mol_h = Chem.AddHs(mol)
    ids, ff = embed_mmff(mol_h, seed, count)
    n = mol.GetNumAtoms()
    out = []
    for cid in ids:
        xyz = conformer_xyz(mol_h, cid)
        if not graph_kept(mol_h, xyz):
            continue
        heavy = xyz[:n]
        centre = [sum(p[c] for p in heavy) / n for c in range(3)]
        out.append([[p[c] - centre[c] for c in range(3)] for p in heavy])
    return out, ff
