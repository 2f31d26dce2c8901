"""Splits that keep groups (statement families, countries) together and labels balanced."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from stancebench.data.schema import TARGETS, stance_column


def assign_splits(records: list[dict], n_folds: int = 10, test_folds: int = 2, dev_folds: int = 1,
                  seed: int = 0, group_field: str = "family") -> list[str]:
    """A split per record: `test_folds`/`n_folds` test, `dev_folds`/`n_folds` dev, the rest train.

    Folds come from `StratifiedGroupKFold`: a group (a family of paraphrases or one speech with
    `group_field="family"`; a country with `group_field="country"`) never straddles splits, and each
    fold mirrors the joint distribution of the four labels as far as the groups allow.
    """
    keys = ["|".join(r[c] for c in [*(stance_column(t) for t in TARGETS), "sentiment"]) for r in records]
    groups = [r.get(group_field) or r["id"] for r in records]
    folds = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    splits = np.empty(len(records), dtype=object)
    for fold, (_, held) in enumerate(folds.split(np.zeros(len(records)), keys, groups)):
        splits[held] = "test" if fold < test_folds else "dev" if fold < test_folds + dev_folds else "train"
    return splits.tolist()
