#!/usr/bin/python3
"""Builds public/data/qm9like.bin and public/data/druglike.bin (see tools/README.md).

Run with Debian's python3 (python3-rdkit, xtb on PATH):
    nice -n 10 /usr/bin/python3 tools/build_dataset.py --seed 20261126
Offline and deterministic: every random choice flows from --seed. Per-molecule results are
appended to JSONL files in --cache, so an interrupted build resumes where it stopped.
"""
from __future__ import annotations

import argparse
import zlib
import collections
import json
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rdkit  # noqa: E402
from rdkit import Chem, RDConfig  # noqa: E402

from dsbuild import enumerate as enum  # noqa: E402
from dsbuild.conformers import baseline_conformers, embed_mmff, graph_kept, conformer_xyz, molecule_seed, relax_qm9_like  # noqa: E402
from dsbuild.featurize import finalize  # noqa: E402
from dsbuild.pack import pack_dataset  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NCI_PATH = os.path.join(RDConfig.RDDataDir, "NCI", "first_5K.smi")
# Heavy-atom size quotas for the enumerated part (QM9 itself is mostly nine-atom molecules).
SIZE_QUOTA = {5: 300, 6: 700, 7: 1500, 8: 3600}
DRUG_ELEMENTS = {"C", "N", "O", "F", "P", "S", "Cl", "Br", "I", "B"}
DRUG_MAX_HEAVY = 32


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def nci_molecules() -> list[tuple[str, Chem.Mol]]:
    out = []
    with open(NCI_PATH) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            mol = Chem.MolFromSmiles(parts[0])
            if mol is not None:
                out.append((parts[0], mol))
    return out


def nci_qm9_like(mol: Chem.Mol) -> bool:
    """The QM9-like definition (tools/README.md): <= 9 heavy atoms, C/N/O/F only, neutral, one fragment. The GDB strain
    filters are not applied: these are real, catalogued compounds."""
    return (
        1 <= mol.GetNumAtoms() <= enum.MAX_HEAVY
        and len(Chem.GetMolFrags(mol)) == 1
        and all(a.GetSymbol() in ("C", "N", "O", "F") and a.GetFormalCharge() == 0 and a.GetNumRadicalElectrons() == 0 for a in mol.GetAtoms())
    )


def qm9_candidates(seed: int, target: int, nci: list) -> list[tuple[str, int]]:
    """[(key SMILES, source)]: NCI's QM9-like molecules (isomeric key: keeps their stereo), then
    the enumeration sampled by size quota up to `target` molecules in all."""
    seen: dict[str, None] = {}
    out = []
    for _, mol in nci:
        if nci_qm9_like(mol):
            flat = Chem.MolToSmiles(mol, isomericSmiles=False)
            if flat not in seen:
                seen[flat] = None
                out.append((Chem.MolToSmiles(mol), 1))
    log(f"NCI QM9-like: {len(out)}")
    levels = enum.enumerate_levels(seed, log=lambda m: log(m))
    rng = random.Random(seed + 1)
    remaining = target - len(out)
    picks: list[str] = []
    for n in range(1, enum.MAX_HEAVY + 1):
        pool = [s for s in levels[n] if s not in seen]
        quota = SIZE_QUOTA.get(n, len(pool) if n < min(SIZE_QUOTA) else remaining - len(picks))
        chosen = pool if len(pool) <= quota else rng.sample(pool, quota)
        picks.extend(chosen)
        for s in chosen:
            seen[s] = None
    out.extend((s, 0) for s in picks[:remaining])
    log(f"candidates: {len(out)} (enumerated {len(out) - sum(1 for _, s in out if s == 1)})")
    return out


def subsample(keys: list, limit: int) -> list:
    """Dry runs: `limit` evenly spaced candidates, so every source and size shows up."""
    if not limit or limit >= len(keys):
        return keys
    return keys[:: len(keys) // limit][:limit]


def load_cache(path: str) -> dict[str, dict]:
    done: dict[str, dict] = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash; that molecule is simply redone
                done[rec["key"]] = rec
    return done


def run_cached(keys: list[str], cache_path: str, fn, jobs: int, label: str) -> dict[str, dict]:
    done = load_cache(cache_path)
    todo = [k for k in keys if k not in done]
    log(f"{label}: {len(keys) - len(todo)} cached, {len(todo)} to do")
    t0 = time.time()
    if os.path.exists(cache_path) and os.path.getsize(cache_path) > 0:
        with open(cache_path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            cut = f.read(1) != b"\n"
        if cut:  # a crash mid-line: end it, so the next record starts on a line of its own
            with open(cache_path, "a") as f:
                f.write("\n")
    with open(cache_path, "a") as f, ThreadPoolExecutor(max_workers=jobs) as pool:
        for i, rec in enumerate(pool.map(fn, todo)):
            done[rec["key"]] = rec
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")
            if (i + 1) % 200 == 0 or i + 1 == len(todo):
                f.flush()
                os.fsync(f.fileno())
                rate = (i + 1) / max(time.time() - t0, 1e-9)
                log(f"{label}: {i + 1}/{len(todo)}  {rate:.2f}/s  eta {(len(todo) - i - 1) / rate / 60:.1f} min")
    return done


def split_of(seed: int, smiles: str) -> str:
    """Seeded 80/10/10 split decided by a hash of the canonical SMILES alone, not by position, so a
    molecule keeps its split in any subset of the build (a partial snapshot used for early training
    never puts a final test molecule into training)."""
    bucket = zlib.crc32(f"split:{seed}:{smiles}".encode()) % 10
    return "train" if bucket < 8 else "valid" if bucket == 8 else "test"


def assemble(name: str, keys: list[tuple[str, int]], results: dict, seed: int, labels_of, label_meta: dict,
             extra_meta: dict, out_path: str) -> dict:
    drops: collections.Counter = collections.Counter()
    mols = []
    for key, source in keys:
        rec = results[key]
        if rec["status"] != "ok":
            drops[rec["status"]] += 1
            continue
        m, why = finalize(key, rec["xyz"])
        if m is None:
            drops[why] += 1
            continue
        m["labels"] = labels_of(rec)
        m["source"] = source
        m["ff"] = rec.get("ff", "")
        mols.append(m)
    splits = [split_of(seed + 2, m["smiles"]) for m in mols]
    scaffolds = sorted({m["scaffold"] for m in mols})  # "" (acyclic) sorts first
    scaffold_id = {s: i for i, s in enumerate(scaffolds)}
    baseline_ff: collections.Counter = collections.Counter()
    for i, (m, sp) in enumerate(zip(mols, splits)):
        m["split"] = sp
        m["scaffold_id"] = scaffold_id[m["scaffold"]]
        m["baseline"] = []
        if sp == "test":
            confs, ff = baseline_conformers(m["smiles"], molecule_seed(seed, m["smiles"], salt=7), 2)
            m["baseline"] = confs
            baseline_ff[ff] += 1
    stats = dataset_stats(mols, drops, len(keys))
    stats["baselineForceField"] = dict(baseline_ff)
    stats["numScaffolds"] = len(scaffolds)
    meta = {
        "name": name, "formatVersion": 1, "seed": seed, "rdkit": rdkit.__version__,
        **label_meta, **extra_meta,
        "splitNames": ["train", "valid", "test"], "sourceNames": ["enumeration", "nci"],
        "baseline": {"method": "RDKit ETKDGv3 + MMFF94 (UFF where MMFF lacks parameters)", "perTestMolecule": 2, "mmffApplied": True},
    }
    data = pack_dataset(mols, meta, len(label_meta["labelNames"]), len(scaffolds))
    with open(out_path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(out_path + ".tmp", out_path)
    stats["bytes"] = len(data)
    log(f"{name}: wrote {len(mols)} molecules, {len(data)} bytes to {out_path}; dropped {dict(drops)}")
    return stats


def dataset_stats(mols: list[dict], drops, candidates: int) -> dict:
    sizes = collections.Counter(len(m["atom_features"]) for m in mols)
    elements = collections.Counter(e for m in mols for e in m["elements"])
    splits = collections.Counter(m["split"] for m in mols)
    return {
        "candidates": candidates, "molecules": len(mols), "dropped": dict(sorted(drops.items())),
        "atoms": sum(sizes[k] * k for k in sizes), "bonds": sum(len(m["bonds"]) for m in mols),
        "baselineConformers": sum(len(m["baseline"]) for m in mols),
        "splits": dict(sorted(splits.items())), "sizeHistogram": {str(k): sizes[k] for k in sorted(sizes)},
        "elementHistogram": dict(sorted(elements.items(), key=lambda kv: -kv[1])),
        "sources": dict(collections.Counter(["enumeration", "nci"][m["source"]] for m in mols)),
        "forceField": dict(collections.Counter(m["ff"] for m in mols)),
    }


def druglike_keys(nci: list) -> list[tuple[str, int]]:
    seen: dict[str, None] = {}
    out = []
    for _, mol in nci:
        if nci_qm9_like(mol) or len(Chem.GetMolFrags(mol)) != 1 or mol.GetNumAtoms() > DRUG_MAX_HEAVY:
            continue
        if any(a.GetSymbol() not in DRUG_ELEMENTS or a.GetNumRadicalElectrons() for a in mol.GetAtoms()):
            continue
        key = Chem.MolToSmiles(mol)
        if key not in seen:
            seen[key] = None
            out.append((key, 1))
    return out


def relax_druglike(smiles: str, seed: int) -> dict:
    mol_h = Chem.AddHs(Chem.MolFromSmiles(smiles))
    ids, ff = embed_mmff(mol_h, molecule_seed(seed, smiles))
    if not ids:
        return {"key": smiles, "status": "embed_failed"}
    xyz = conformer_xyz(mol_h)
    if not graph_kept(mol_h, xyz):
        return {"key": smiles, "status": "ff_graph_changed"}
    return {"key": smiles, "status": "ok", "ff": ff, "xyz": [[round(c, 5) for c in p] for p in xyz]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--target", type=int, default=23800, help="QM9-like candidates before losses")
    ap.add_argument("--limit", type=int, default=0, help="dry run: N evenly spaced candidates of each set")
    ap.add_argument("--jobs", type=int, default=1, help="concurrent xtb processes (one core each)")
    # The per-molecule cache (resumable runs) lives in the system's temporary directory unless named.
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "msde-dataset-cache"))
    ap.add_argument("--out-dir", default=os.path.join(REPO, "public", "data"))
    ap.add_argument("--only", choices=["qm9like", "druglike"], default=None)
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    os.makedirs(args.out_dir, exist_ok=True)
    t_start = time.time()
    nci = nci_molecules()
    log(f"NCI: {len(nci)} parsed from {NCI_PATH}")
    all_stats = {}
    if args.only in (None, "druglike"):
        t0 = time.time()
        keys = druglike_keys(nci)
        keys = subsample(keys, args.limit)
        res = run_cached([k for k, _ in keys], os.path.join(args.cache, f"druglike-{args.seed}.jsonl"),
                         lambda s: relax_druglike(s, args.seed), 1, "druglike ETKDG+MMFF")
        st = assemble("druglike", keys, res, args.seed, lambda rec: [],
                      {"labelNames": [], "labelUnits": []},
                      {"description": "NCI open-set molecules (rdkit-data first_5K.smi), <= 32 heavy atoms, one fragment; one ETKDGv3 + MMFF94 conformer each (no xtb)",
                       "geometry": "RDKit ETKDGv3 + MMFF94 (UFF fallback)"},
                      os.path.join(args.out_dir, "druglike.bin"))
        st["wallSeconds"] = round(time.time() - t0, 1)
        all_stats["druglike"] = st
    if args.only in (None, "qm9like"):
        t0 = time.time()
        keys = qm9_candidates(args.seed, args.target, nci)
        keys = subsample(keys, args.limit)
        res = run_cached([k for k, _ in keys], os.path.join(args.cache, f"qm9like-{args.seed}.jsonl"),
                         lambda s: relax_qm9_like(s, args.seed), args.jobs, "qm9like xtb")
        st = assemble("qm9like", keys, res, args.seed, lambda rec: [rec["gap"], rec["dipole"], rec["energy"]],
                      {"labelNames": ["gap", "dipole", "energy"], "labelUnits": ["eV", "D", "Eh"]},
                      {"description": "QM9-like molecules (<= 9 heavy atoms, C/N/O/F): seeded GDB-style enumeration plus NCI's QM9-like molecules; GFN2-xTB relaxed heavy-atom geometry and labels",
                       "geometry": "RDKit ETKDGv3 -> MMFF94 (UFF fallback) -> GFN2-xTB (xtb 6.5.1) optimisation"},
                      os.path.join(args.out_dir, "qm9like.bin"))
        st["wallSeconds"] = round(time.time() - t0, 1)
        all_stats["qm9like"] = st
    all_stats["totalWallSeconds"] = round(time.time() - t_start, 1)
    all_stats["seed"] = args.seed
    all_stats["limit"] = args.limit
    stats_path = os.path.join(args.out_dir, "build-stats.json")
    old = {}
    if os.path.exists(stats_path) and args.only:
        with open(stats_path) as f:
            old = json.load(f)
    old.update(all_stats)
    with open(stats_path, "w") as f:
        json.dump(old, f, indent=1)
    log(f"done in {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
