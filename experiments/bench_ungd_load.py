"""How long `data=ungd` takes to load: validate the units file, read every speech in place, check
every unit's hash, build the `DatasetDict`. The target (issue 8) is under 2 s for 2,000 units.

    .venv/bin/python experiments/bench_ungd_load.py [--rounds 7]

Prints the median and the spread over rounds (each round a cold `UNGDSource`, files in the OS
page cache after the first), beside the leader corpus's load on the same machine for scale.
"""

from __future__ import annotations

import argparse
import statistics
import time

from stancebench.data import LeadersCorpus, UNGDSource
from stancebench.data.ungd import DEFAULT_UNITS, default_root, read_unit_texts, validate_units


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    root = default_root()
    source = UNGDSource(root, DEFAULT_UNITS)
    records, _ = validate_units(DEFAULT_UNITS)
    leaders = LeadersCorpus(DEFAULT_UNITS.parents[1] / "leaders" / "statements.jsonl")
    phases = {
        "validate units file": lambda: validate_units(DEFAULT_UNITS),
        "read speeches + check hashes": lambda: read_unit_texts(records, source.corpus_dir, str(DEFAULT_UNITS)),
        "UNGDSource.load() (all of it)": lambda: UNGDSource(root, DEFAULT_UNITS).load(),
        "LeadersCorpus.load() (for scale)": leaders.load,
    }
    for fn in phases.values():  # warm the page cache and lazy imports
        fn()
    times = {name: [] for name in phases}
    for _ in range(args.rounds):  # interleaved, so machine noise hits every phase alike
        for name, fn in phases.items():
            times[name].append(timed(fn))
    print(f"{len(records)} units from {len({r['path'] for r in records})} speech files under {root}; "
          f"median of {args.rounds} rounds (min-max)")
    for name, values in times.items():
        print(f"  {name:34s} {statistics.median(values):.3f} s ({min(values):.3f}-{max(values):.3f})")


if __name__ == "__main__":
    main()
