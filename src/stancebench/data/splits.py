"""Splits that keep groups (countries, speeches) together and labels balanced."""

from __future__ import annotations

from collections import Counter

import numpy as np

from stancebench.data.schema import TARGETS, stance_column


def iterative_group_splits(records: list[dict], group_field: str, shares: dict[str, float],
                           label_fields: tuple[str, ...] = (*(stance_column(t) for t in TARGETS), "sentiment"),
                           seed: int = 0) -> list[str]:
    """A split per record, whole groups at a time, each (field, label) class spread over the splits
    in proportion to `shares` as far as the groups allow, the rarest classes first.

    Iterative stratification (Sechidis, Tsoumakas and Vlahavas, ECML 2011) with groups for
    examples: take the class with the fewest unassigned records; give each group holding it (most
    records of that class first) to the split that most lacks that class, then the split that most
    lacks records. `StratifiedGroupKFold` balances the frequent labels but can leave a class that a
    few groups hold (one state's 11 of 17 `against` units) almost absent from test.
    """
    rng = np.random.default_rng(seed)
    groups: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        groups.setdefault(record[group_field], []).append(i)
    counts = {g: Counter((f, records[i][f]) for i in members for f in label_fields) for g, members in groups.items()}
    totals = sum(counts.values(), Counter())
    lack = {split: {c: share * n for c, n in totals.items()} for split, share in shares.items()}
    lack_size = {split: share * len(records) for split, share in shares.items()}
    left = totals.copy()
    unassigned = [str(g) for g in rng.permutation(sorted(groups))]  # a seeded order breaks ties
    split_of: dict[str, str] = {}
    while unassigned:
        rarest = min((c for c in left if left[c] > 0), key=lambda c: left[c])
        holders = sorted((g for g in unassigned if counts[g][rarest]), key=lambda g: -counts[g][rarest])
        for group in holders:
            split = max(shares, key=lambda s: (lack[s][rarest], lack_size[s]))
            split_of[group] = split
            for c, n in counts[group].items():
                lack[split][c] -= n
                left[c] -= n
            lack_size[split] -= len(groups[group])
        unassigned = [g for g in unassigned if g not in split_of]
    return [split_of[record[group_field]] for record in records]
