"""GDB-style seeded enumeration of QM9-like molecules (<= 9 heavy atoms over C, N, O, F).

Molecules grow level by level (level n = n heavy atoms) from single-atom seeds. A child of a level
n-1 parent gets one more atom (attached to a free valence, or inserted into a bond), then up to two
same-size edits (ring closure, element change, bond-order change). Every candidate is sanitised
by RDKit, passed through the valence and strain filters in `qm9_like_reason`, and deduplicated by
canonical (non-isomeric) SMILES. All random choices come from one `random.Random(seed)`, and every
container that is iterated is a list or an insertion-ordered dict, so the result does not depend on
PYTHONHASHSEED.
"""
from __future__ import annotations

import random

from rdkit import Chem, RDLogger
from rdkit.Chem import rdMolDescriptors

RDLogger.DisableLog("rdApp.*")

ELEMENTS = ["C", "N", "O", "F"]
ELEMENT_WEIGHTS = [0.60, 0.18, 0.18, 0.04]  # roughly QM9's heavy-atom composition
VALENCE = {6: 4, 7: 3, 8: 2, 9: 1}
ZOF = {"C": 6, "N": 7, "O": 8, "F": 9}
ORDER_TYPE = {1: Chem.BondType.SINGLE, 2: Chem.BondType.DOUBLE, 3: Chem.BondType.TRIPLE}
TYPE_ORDER = {Chem.BondType.SINGLE: 1, Chem.BondType.DOUBLE: 2, Chem.BondType.TRIPLE: 3}
MAX_HEAVY = 9


def qm9_like_reason(mol: Chem.Mol) -> str | None:
    """Returns why `mol` is not QM9-like (a short reason), or None if it passes every filter."""
    n = mol.GetNumAtoms()
    if n < 1 or n > MAX_HEAVY:
        return "size"
    if len(Chem.GetMolFrags(mol)) != 1:
        return "fragments"
    for a in mol.GetAtoms():
        if a.GetAtomicNum() not in VALENCE:
            return "element"
        if a.GetFormalCharge() != 0 or a.GetNumRadicalElectrons() != 0:
            return "charge_or_radical"
        if a.GetIsotope() != 0:
            return "isotope"
    ri = mol.GetRingInfo()
    rings = [set(r) for r in ri.AtomRings()]
    if len(rings) > 3:
        return "too_many_rings"
    if any(len(r) > 8 for r in rings):
        return "ring_size"
    for a in mol.GetAtoms():
        idx = a.GetIdx()
        multiple = 0
        for b in a.GetBonds():
            if b.GetBondType() in (Chem.BondType.DOUBLE, Chem.BondType.TRIPLE):
                multiple += 1
            if b.GetBondType() == Chem.BondType.TRIPLE and ri.NumAtomRings(idx) > 0:
                return "triple_in_ring"  # no ring here reaches the 9 atoms an alkyne needs
        if multiple >= 2:
            return "cumulene"  # allenes, ketenes, CO2-like centres
        if a.GetAtomicNum() == 9 and any(nb.GetAtomicNum() != 6 for nb in a.GetNeighbors()):
            return "f_not_on_carbon"
        in_rings = ri.NumAtomRings(idx)
        if in_rings > 2:
            return "atom_in_3_rings"
        small = sum(1 for r in rings if idx in r and len(r) <= 4)
        if small >= 2 and multiple > 0:
            return "unsaturated_fused_small_rings"
    # Heteroatom-heteroatom bonds only inside aromatic rings (GDB's stability rule).
    for b in mol.GetBonds():
        z1, z2 = b.GetBeginAtom().GetAtomicNum(), b.GetEndAtom().GetAtomicNum()
        if z1 != 6 and z2 != 6 and not b.GetIsAromatic():
            return "hetero_hetero_bond"
    # Small rings: no cyclobutadiene-like 4-rings; a 3-ring may hold one endocyclic double bond
    # only as a cyclopropene/azirine (third atom carbon, anti-aromatic oxirenes and 1H-azirines
    # are out) and only when none of its atoms is shared with another ring (bicyclo[n.1.0]enes).
    for r in rings:
        if len(r) > 4:
            continue
        double_in_ring = [
            b for b in mol.GetBonds()
            if b.GetBeginAtomIdx() in r and b.GetEndAtomIdx() in r and b.GetBondType() != Chem.BondType.SINGLE
        ]
        if len(double_in_ring) >= 2:
            return "unsaturated_small_ring"
        if len(r) == 3 and double_in_ring:
            b = double_in_ring[0]
            (third,) = r - {b.GetBeginAtomIdx(), b.GetEndAtomIdx()}
            if mol.GetAtomWithIdx(third).GetAtomicNum() != 6:
                return "antiaromatic_3_ring"
            if any(ri.NumAtomRings(i) > 1 for i in r):
                return "fused_cyclopropene"
    # Bredt's rule: no double bond (ring or exocyclic) on a bridgehead atom.
    if rdMolDescriptors.CalcNumBridgeheadAtoms(mol) > 0:
        for a in mol.GetAtoms():
            if _is_bridgehead(a.GetIdx(), ri) and any(
                b.GetBondType() != Chem.BondType.SINGLE for b in a.GetBonds()
            ):
                return "bredt"
    return None


def _is_bridgehead(idx: int, ri) -> bool:
    """An atom shared by two rings that share at least three atoms (a bridged, not fused, system)."""
    rings = [set(r) for r in ri.AtomRings() if idx in r]
    for i in range(len(rings)):
        for j in range(i + 1, len(rings)):
            if len(rings[i] & rings[j]) >= 3:
                return True
    return False


def _free_valence(rw: Chem.RWMol, idx: int) -> int:
    a = rw.GetAtomWithIdx(idx)
    used = sum(TYPE_ORDER[b.GetBondType()] for b in a.GetBonds())
    return VALENCE[a.GetAtomicNum()] - used


def _pick_element(rng: random.Random, min_valence: int) -> int:
    choices = [(ZOF[e], w) for e, w in zip(ELEMENTS, ELEMENT_WEIGHTS) if VALENCE[ZOF[e]] >= min_valence]
    zs = [z for z, _ in choices]
    ws = [w for _, w in choices]
    return rng.choices(zs, weights=ws)[0]


def _pick_order(rng: random.Random, limit: int) -> int:
    orders = [o for o in (1, 2, 3) if o <= limit]
    weights = [0.78, 0.17, 0.05][: len(orders)]
    return rng.choices(orders, weights=weights)[0]


def _grow(rng: random.Random, rw: Chem.RWMol) -> bool:
    """Adds one heavy atom: attached to a free valence (70 %) or inserted into a bond (30 %)."""
    n = rw.GetNumAtoms()
    bonds = list(rw.GetBonds())
    if bonds and rng.random() < 0.3:
        b = rng.choice(bonds)
        i, j = b.GetBeginAtomIdx(), b.GetEndAtomIdx()
        z = _pick_element(rng, 2)
        rw.RemoveBond(i, j)
        k = rw.AddAtom(Chem.Atom(z))
        rw.AddBond(i, k, Chem.BondType.SINGLE)
        rw.AddBond(k, j, Chem.BondType.SINGLE)
        return True
    free = [i for i in range(n) if _free_valence(rw, i) > 0]
    if not free:
        return False
    i = rng.choice(free)
    order = _pick_order(rng, _free_valence(rw, i))
    z = _pick_element(rng, order)
    k = rw.AddAtom(Chem.Atom(z))
    rw.AddBond(i, k, ORDER_TYPE[order])
    return True


def _edit(rng: random.Random, rw: Chem.RWMol) -> bool:
    """One same-size edit: ring closure, element change or bond-order change."""
    n = rw.GetNumAtoms()
    op = rng.random()
    if op < 0.4 and n >= 3:
        free = [i for i in range(n) if _free_valence(rw, i) > 0]
        dm = Chem.GetDistanceMatrix(rw, force=True)  # the cached matrix goes stale as rw changes
        pairs = [(i, j) for ii, i in enumerate(free) for j in free[ii + 1:] if 2 <= dm[i][j] <= 7]
        if not pairs:
            return False
        i, j = rng.choice(pairs)
        limit = min(_free_valence(rw, i), _free_valence(rw, j), 2)
        order = 2 if limit >= 2 and rng.random() < 0.15 else 1
        rw.AddBond(i, j, ORDER_TYPE[order])
        return True
    if op < 0.7:
        i = rng.randrange(n)
        a = rw.GetAtomWithIdx(i)
        used = VALENCE[a.GetAtomicNum()] - _free_valence(rw, i)
        z = _pick_element(rng, max(used, 1))
        if z == a.GetAtomicNum():
            return False
        a.SetAtomicNum(z)
        return True
    bonds = list(rw.GetBonds())
    if not bonds:
        return False
    b = rng.choice(bonds)
    i, j = b.GetBeginAtomIdx(), b.GetEndAtomIdx()
    order = TYPE_ORDER[b.GetBondType()]
    if order < 3 and min(_free_valence(rw, i), _free_valence(rw, j)) >= 1 and rng.random() < 0.6:
        b.SetBondType(ORDER_TYPE[order + 1])
        return True
    if order > 1:
        b.SetBondType(ORDER_TYPE[order - 1])
        return True
    return False


def _canonical(rw: Chem.RWMol) -> str | None:
    mol = rw.GetMol()
    for a in mol.GetAtoms():
        a.SetNoImplicit(False)
        a.SetNumExplicitHs(0)
    try:
        Chem.SanitizeMol(mol)
    except Exception:  # RDKit raises several sanitisation exception types; all mean "invalid"
        return None
    if qm9_like_reason(mol) is not None:
        return None
    return Chem.MolToSmiles(mol, isomericSmiles=False)


def _kekule_rw(smiles: str) -> Chem.RWMol:
    mol = Chem.MolFromSmiles(smiles)
    Chem.Kekulize(mol, clearAromaticFlags=True)
    return Chem.RWMol(mol)


# Per level: how many distinct molecules to collect and how many attempts to allow. Small levels
# saturate (there are only so many 3-atom molecules); the big levels are capped.
LEVEL_CAPS = {2: 60, 3: 400, 4: 2000, 5: 5000, 6: 9000, 7: 16000, 8: 30000, 9: 45000}
ATTEMPTS_PER_CAP = 8


def enumerate_levels(seed: int, log=print) -> dict[int, list[str]]:
    """Returns {n: [canonical SMILES with n heavy atoms]} in discovery order."""
    rng = random.Random(seed)
    levels: dict[int, dict[str, None]] = {1: {s: None for s in ["C", "N", "O", "F"]}}
    for n in range(2, MAX_HEAVY + 1):
        found: dict[str, None] = {}
        parents = [p for p in levels[n - 1] if p != "F"]  # HF cannot grow
        cap = LEVEL_CAPS[n]
        attempts = 0
        while len(found) < cap and attempts < cap * ATTEMPTS_PER_CAP:
            attempts += 1
            rw = _kekule_rw(rng.choice(parents))
            if not _grow(rng, rw):
                continue
            for _ in range(rng.choice([0, 0, 1, 1, 2])):
                _edit(rng, rw)
            smi = _canonical(rw)
            if smi is not None and smi not in found:
                found[smi] = None
        levels[n] = found
        log(f"  level {n}: {len(found)} molecules from {attempts} attempts")
    return {n: list(d) for n, d in levels.items()}
