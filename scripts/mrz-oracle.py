#!/usr/bin/env python3
"""Side-by-side: vrs-identity's TD3 reader against the PyPI `mrz` package (an outside
oracle only: it is GPL, so it is installed with pip at run time and never vendored).

    pip install mrz
    python3 scripts/mrz-oracle.py [fixtures/vectors/mrz/public-cases.tsv ...]

Prints, per case, where the two disagree on validity or fields, then the agreement
counts and the speed ratio (strict parses per second of on-CPU time, single
thread, so that other load on the machine does not skew the ratio).
"""
import json
import os
import subprocess
import sys
import time

from mrz.checker.td3 import TD3CodeChecker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = sys.argv[1:] or [
    os.path.join(ROOT, "fixtures/vectors/mrz", f)
    for f in ("public-cases.tsv", "edge-cases.tsv", "ocr-cases.tsv")
]
FIELDS = [
    ("surname", "surname"),
    ("given_names", "name"),
    ("issuing_state", "country"),
    ("nationality", "nationality"),
    ("document_number", "document_number"),
    ("birth_date", "birth_date"),
    ("expiry_date", "expiry_date"),
    ("sex", "sex"),
    ("optional_data", "optional_data"),
]


def norm(field, value):
    value = (value or "").strip()
    # Both sides mean "no data" with fillers; vrs keeps inner fillers of optional data raw.
    if field == "optional_data":
        value = value.replace(" ", "<").strip("<")
    return value


def cases(path):
    with open(path, encoding="utf-8") as f:
        rows = [l.rstrip("\n").split("\t") for l in f.readlines()[1:] if l.strip()]
    return [(r[0], r[1], r[-1]) for r in rows]


def main():
    subprocess.run(
        ["cargo", "build", "-q", "--release", "-p", "vrs-identity", "--example", "mrz_batch"],
        cwd=ROOT,
        check=True,
    )
    exe = os.path.join(ROOT, "target/release/examples/mrz_batch")
    total = valid_agree = fields_agree = compared = 0
    ours_rate = theirs_rate = 0.0
    for path in FILES:
        rows = cases(path)
        out = subprocess.run([exe, path, "20000"], capture_output=True, text=True, check=True)
        lines = [json.loads(l) for l in out.stdout.splitlines()]
        ours, timing = lines[:-1], lines[-1]["timing"]
        for (l1, l2, note), o in zip(rows, ours):
            total += 1
            try:
                c = TD3CodeChecker(l1 + "\n" + l2)
                t_valid, f = bool(c), c.fields()
            except Exception as e:  # the oracle refuses some inputs outright
                t_valid, f = False, None
            if t_valid == o["valid"]:
                valid_agree += 1
            else:
                print(f"validity differs: vrs={o['valid']} {o['errors']} mrz={t_valid} :: {note[:70]}")
            if f is None:
                print(f"oracle could not read: {note[:70]}")
            else:
                compared += 1
                diffs = [
                    (ours_key, o[ours_key], getattr(f, theirs_key))
                    for ours_key, theirs_key in FIELDS
                    if norm(ours_key, o[ours_key]) != norm(ours_key, getattr(f, theirs_key))
                ]
                if diffs:
                    print(f"fields differ: {diffs} :: {note[:70]}")
                else:
                    fields_agree += 1
        # Oracle speed on the same cases, same rounds budget scaled to ~2 s.
        rounds = 2000
        start = time.thread_time()
        for _ in range(rounds):
            for l1, l2, _ in rows:
                try:
                    bool(TD3CodeChecker(l1 + "\n" + l2))
                except Exception:
                    pass
        secs = time.thread_time() - start
        theirs = rounds * len(rows) / secs
        print(
            f"{os.path.basename(path)}: vrs {timing['per_cpu_second']:,.0f} parses/s, "
            f"mrz {theirs:,.0f} parses/s, ratio {timing['per_cpu_second'] / theirs:,.0f}x"
        )
        ours_rate += timing["per_cpu_second"] * len(rows)
        theirs_rate += theirs * len(rows)
    print(
        f"agreement: validity {valid_agree}/{total}, fields {fields_agree}/{compared} "
        f"(cases the oracle could read); "
        f"speed ratio (case-weighted) {ours_rate / theirs_rate:,.0f}x"
    )


if __name__ == "__main__":
    main()
