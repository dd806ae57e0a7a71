#!/usr/bin/python3
"""Prints the count / histogram tables of public/data/README.md from public/data/build-stats.json
(written by build_dataset.py), so the data card can be refreshed after a rebuild:

    /usr/bin/python3 tools/datacard_tables.py
"""
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def table(head: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "public", "data", "build-stats.json")
    with open(path) as f:
        stats = json.load(f)
    for name in ("qm9like", "druglike"):
        s = stats.get(name)
        if not s:
            continue
        print(f"### {name}.bin\n")
        print(table(["quantity", "value"], [
            ["candidates", f"{s['candidates']:,}"], ["molecules kept", f"{s['molecules']:,}"],
            ["dropped", ", ".join(f"{k} {v}" for k, v in s["dropped"].items()) or "none"],
            ["heavy atoms", f"{s['atoms']:,}"], ["bonds", f"{s['bonds']:,}"],
            ["Bemis-Murcko scaffolds", f"{s['numScaffolds']:,}"],
            ["split train / valid / test", " / ".join(f"{s['splits'].get(k, 0):,}" for k in ("train", "valid", "test"))],
            ["baseline conformers (test)", f"{s['baselineConformers']:,}"],
            ["sources", ", ".join(f"{k} {v:,}" for k, v in s["sources"].items())],
            ["force field before xtb / final", ", ".join(f"{k} {v:,}" for k, v in s["forceField"].items())],
            ["file size", f"{s['bytes']:,} bytes"], ["wall time of the last (cache-resumed) run", f"{s['wallSeconds'] / 60:.1f} min"],
        ]))
        print()
        print(table(["heavy atoms"] + list(s["sizeHistogram"]), [["molecules"] + [f"{v:,}" for v in s["sizeHistogram"].values()]]))
        print()
        print(table(["element"] + list(s["elementHistogram"]), [["atoms"] + [f"{v:,}" for v in s["elementHistogram"].values()]]))
        print()


if __name__ == "__main__":
    main()
