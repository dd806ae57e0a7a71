"""OGB atom/bond features (docs/method.md §4.1) and the final per-molecule record.

The stored SMILES is RDKit's canonical isomeric SMILES of the heavy-atom molecule whose stereo
was assigned from its own 3D geometry, and the stored atoms are renumbered into that SMILES's atom
order. So parsing the stored SMILES (RDKit, rdkit-js) gives atom k = stored atom k, and features
computed from the SMILES equal the stored features (ogb.utils.smiles2graph would agree).
"""
from __future__ import annotations

from rdkit import Chem
from rdkit.Chem.Scaffolds import MurckoScaffold

CT = Chem.ChiralType
HT = Chem.HybridizationType
BT = Chem.BondType
BS = Chem.BondStereo

# Exact OGB vocabularies; a value outside a list maps to the list's last ("misc") index.
CHIRALITY = [CT.CHI_UNSPECIFIED, CT.CHI_TETRAHEDRAL_CW, CT.CHI_TETRAHEDRAL_CCW, CT.CHI_OTHER]  # + misc
HYBRID = [HT.SP, HT.SP2, HT.SP3, HT.SP3D, HT.SP3D2]  # + misc
BOND_TYPE = [BT.SINGLE, BT.DOUBLE, BT.TRIPLE, BT.AROMATIC]  # + misc
BOND_STEREO = [BS.STEREONONE, BS.STEREOZ, BS.STEREOE, BS.STEREOCIS, BS.STEREOTRANS, BS.STEREOANY]  # no misc
ATOM_VOCAB = [119, 5, 12, 12, 10, 6, 6, 2, 2]
BOND_VOCAB = [5, 6, 2]


def _index(value, allowed: list) -> int:
    return allowed.index(value) if value in allowed else len(allowed)


def _range_index(value: int, lo: int, hi: int) -> int:
    """Index into the list [lo..hi] + misc."""
    return value - lo if lo <= value <= hi else hi - lo + 1


def atom_features(atom: Chem.Atom) -> list[int]:
    return [
        _range_index(atom.GetAtomicNum(), 1, 118),  # stored as Z-1; misc 118
        _index(atom.GetChiralTag(), CHIRALITY),
        _range_index(atom.GetTotalDegree(), 0, 10),
        _range_index(atom.GetFormalCharge(), -5, 5),
        _range_index(atom.GetTotalNumHs(), 0, 8),
        _range_index(atom.GetNumRadicalElectrons(), 0, 4),
        _index(atom.GetHybridization(), HYBRID),
        int(atom.GetIsAromatic()),
        int(atom.IsInRing()),
    ]


def bond_features(bond: Chem.Bond) -> list[int]:
    stereo = bond.GetStereo()
    if stereo not in BOND_STEREO:
        raise ValueError(f"bond stereo {stereo} is outside the OGB vocabulary")
    return [_index(bond.GetBondType(), BOND_TYPE), BOND_STEREO.index(stereo), int(bond.GetIsConjugated())]


def finalize(key: str, xyz_all: list, n_heavy_expected: int | None = None) -> tuple[dict | None, str]:
    """Builds the stored record from the molecule `key` (parsed, AddHs order) and its all-atom
    geometry. Returns (record, "ok") or (None, reason)."""
    mol = Chem.MolFromSmiles(key)
    mol_h = Chem.AddHs(mol)
    if mol_h.GetNumAtoms() != len(xyz_all):
        return None, "atom_count_mismatch"
    conf = Chem.Conformer(mol_h.GetNumAtoms())
    for i, p in enumerate(xyz_all):
        conf.SetAtomPosition(i, p)
    mol_h.RemoveAllConformers()
    mol_h.AddConformer(conf, assignId=True)
    Chem.AssignStereochemistryFrom3D(mol_h)
    # Heavy atoms only, like OGB's SMILES graphs: an imine N-H that alone defines a C=N bond's
    # stereo goes too (RemoveHs would otherwise keep it), and that stereo with it.
    params = Chem.RemoveHsParameters()
    params.removeDefiningBondStereo = True
    heavy = Chem.RemoveHs(mol_h, params)
    if heavy.GetNumAtoms() != mol.GetNumAtoms():
        return None, "hydrogens_kept"
    smiles = Chem.MolToSmiles(heavy)
    order = [int(x) for x in heavy.GetProp("_smilesAtomOutputOrder").strip("[], ").split(",") if x.strip()]
    parsed = Chem.MolFromSmiles(smiles)
    if parsed is None or parsed.GetNumAtoms() != heavy.GetNumAtoms() or len(order) != heavy.GetNumAtoms():
        return None, "smiles_roundtrip"
    for k, old in enumerate(order):
        if parsed.GetAtomWithIdx(k).GetAtomicNum() != heavy.GetAtomWithIdx(old).GetAtomicNum():
            return None, "smiles_roundtrip"
    inverse = {old: k for k, old in enumerate(order)}
    mapped = {tuple(sorted((inverse[b.GetBeginAtomIdx()], inverse[b.GetEndAtomIdx()]))) for b in heavy.GetBonds()}
    bonds = sorted(tuple(sorted((b.GetBeginAtomIdx(), b.GetEndAtomIdx()))) for b in parsed.GetBonds())
    if set(bonds) != mapped:
        return None, "smiles_roundtrip"
    hconf = heavy.GetConformer()
    pos = [list(hconf.GetAtomPosition(old)) for old in order]
    n = len(pos)
    centre = [sum(p[c] for p in pos) / n for c in range(3)]
    pos = [[p[c] - centre[c] for c in range(3)] for p in pos]
    # The stored geometry must imply the stored stereo: re-derive it from the heavy-atom positions.
    check = Chem.Mol(parsed)
    cconf = Chem.Conformer(n)
    for k, p in enumerate(pos):
        cconf.SetAtomPosition(k, p)
    check.AddConformer(cconf, assignId=True)
    Chem.AssignStereochemistryFrom3D(check)
    if Chem.MolToSmiles(check) != smiles:
        return None, "stereo_roundtrip"
    bond_feats = [bond_features(parsed.GetBondBetweenAtoms(i, j)) for i, j in bonds]
    return {
        "smiles": smiles,
        "atom_features": [atom_features(a) for a in parsed.GetAtoms()],
        "bonds": [list(b) for b in bonds],
        "bond_features": bond_feats,
        "positions": pos,
        "scaffold": MurckoScaffold.MurckoScaffoldSmiles(mol=parsed, includeChirality=False),
        "elements": [a.GetSymbol() for a in parsed.GetAtoms()],
    }, "ok"
