"""Writer of the packed data-set format (app/data/FORMAT.md is the specification; app/data/dataset.ts
reads it). All integers little-endian; every section starts on a 4-byte boundary."""
from __future__ import annotations

import json
import struct
import zlib

import numpy as np

MAGIC = b"MSDEMOLS"
VERSION = 1
HEADER_BYTES = 64
RECORD_BYTES = 32
ATOM_FEATS = 9
BOND_FEATS = 3
SPLITS = {"train": 0, "valid": 1, "test": 2}


def _pad4(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 4)


def pack_dataset(molecules: list[dict], meta: dict, num_labels: int, num_scaffolds: int) -> bytes:
    """molecules: dicts with smiles, atom_features [n][9], bonds [m][2] (i < j), bond_features [m][3],
    positions [n][3], labels [num_labels], split ("train"/"valid"/"test"), scaffold_id,
    baseline ([k][n][3]), source (0 enumeration, 1 NCI)."""
    records = bytearray()
    atom_feats, bonds, bond_feats, positions, labels, baseline, smiles = [], [], [], [], [], [], bytearray()
    atoms = nbonds = confs = base_atoms = 0
    for idx, m in enumerate(molecules):
        n, nb = len(m["atom_features"]), len(m["bonds"])
        s = m["smiles"].encode("utf-8")
        k = len(m.get("baseline", []))
        if not (1 <= n <= 255 and nb <= 255 and len(s) <= 65535 and k <= 255):
            raise ValueError(f"molecule {idx} ({m['smiles']}): sizes out of range (atoms {n}, bonds {nb}, smiles {len(s)}, conformers {k})")
        if len(m["labels"]) != num_labels:
            raise ValueError(f"molecule {idx}: {len(m['labels'])} labels, expected {num_labels}")
        for i, j in m["bonds"]:
            if not (0 <= i < j < n):
                raise ValueError(f"molecule {idx}: bond ({i}, {j}) is not 0 <= i < j < {n}")
        if not 0 <= m["scaffold_id"] < num_scaffolds:
            raise ValueError(f"molecule {idx}: scaffold id {m['scaffold_id']} >= {num_scaffolds}")
        records += struct.pack(
            "<IIIIIIHBBBBBB", atoms, nbonds, len(smiles), confs, base_atoms, m["scaffold_id"],
            len(s), n, nb, k, SPLITS[m["split"]], m.get("source", 0), 0,
        )
        atom_feats.append(np.asarray(m["atom_features"], dtype=np.uint8).reshape(n, ATOM_FEATS))
        bonds.append(np.asarray(m["bonds"], dtype=np.uint16).reshape(nb, 2))
        bond_feats.append(np.asarray(m["bond_features"], dtype=np.uint8).reshape(nb, BOND_FEATS))
        positions.append(np.asarray(m["positions"], dtype=np.float32).reshape(n, 3))
        labels.append(np.asarray(m["labels"], dtype=np.float32).reshape(num_labels))
        for c in m.get("baseline", []):
            baseline.append(np.asarray(c, dtype=np.float32).reshape(n, 3))
        smiles += s
        atoms += n
        nbonds += nb
        confs += k
        base_atoms += k * n

    def cat(parts, dtype, width):
        return np.concatenate(parts).astype(dtype).tobytes() if parts else np.zeros((0, width), dtype).tobytes()

    meta_b = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode("utf-8")
    payload = b"".join(_pad4(x) for x in [
        meta_b,
        bytes(records),
        cat(atom_feats, "<u1", ATOM_FEATS),
        cat(bonds, "<u2", 2),
        cat(bond_feats, "<u1", BOND_FEATS),
        cat(positions, "<f4", 3),
        cat(labels, "<f4", num_labels),
        cat(baseline, "<f4", 3),
        bytes(smiles),
    ])
    header = MAGIC + struct.pack(
        "<14I", VERSION, HEADER_BYTES, len(molecules), atoms, nbonds, confs, base_atoms, num_labels,
        num_scaffolds, len(meta_b), len(smiles), len(payload), zlib.crc32(payload) & 0xFFFFFFFF, 0,
    )
    assert len(header) == HEADER_BYTES
    return header + payload
