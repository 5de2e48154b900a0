#!/usr/bin/env python3
"""The layer check: no layer includes a layer above it (docs/ARCHITECTURE.md).

Reads every #include "..." of src/<stage>/ and include/keikai/<stage>/ and fails, naming the
file, the line and both layers, when a file includes a header of a higher layer. Stages on the
same level must not include each other either. Run by ctest as `layers`.
"""
import pathlib
import re
import sys

# Lowest first. A stage may include its own layer's headers and any layer below.
LAYERS = [
    ["core"],
    ["http"],
    ["ingest"],
    ["rules"],             # the SecLang engine; its SQLi/XSS tokenizers serve detect too
    ["detect", "geo", "surge", "mail", "inspect"],  # inspect: mail attachments (MIME, archives, Office)
    ["store", "gate", "sweep"],  # gate: the milter's decisions; sweep: copied Windows profiles (both use inspect)
    ["event"],             # the neutral event and the kinds' registry (when present)
    ["pipeline"],
    ["report", "config"],  # config: the daemon's YAML (reads names of formats, zones, stores)
    ["notify"],            # alert channels and their outbox (read the configuration)
    ["demo", "crstest"],   # tools, own targets
    ["cli"],
]
RANK = {s: i for i, layer in enumerate(LAYERS) for s in layer}
INCLUDE = re.compile(r'^\s*#\s*include\s+"(?:\.\./)?(?:keikai/)?([a-z_]+)/')


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    bad = []
    files = 0
    for base in (root / "src", root / "include" / "keikai"):
        for path in sorted(base.rglob("*")):
            if path.suffix not in (".h", ".cc", ".inc") or path.parent == base:
                continue
            stage = path.relative_to(base).parts[0]
            if stage not in RANK:
                bad.append(f"{path}: stage '{stage}' is in no layer (add it to LAYERS)")
                continue
            files += 1
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m or m.group(1) not in RANK:
                    continue
                dep = m.group(1)
                if dep != stage and RANK[dep] >= RANK[stage]:
                    bad.append(f"{path}:{n}: {stage} (layer {RANK[stage]}) includes {dep} "
                               f"(layer {RANK[dep]})")
    for b in bad:
        print(b)
    print(f"layers: {files} files checked, {len(bad)} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
