"""Validate data/leaders/contrast.jsonl against the corpus; print counts.

Run from the repository root:  .venv/bin/python data/leaders/contrast/check.py
Exit status 1 if any check fails; differences between an original's text and the corpus's current
text are reported as warnings (the file keeps the text its edit was made from, with the labels the
corpus gives that statement).
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONTRAST = ROOT / "data/leaders/contrast.jsonl"
CORPUS = ROOT / "data/leaders/statements.jsonl"
VERBATIM_REVIEW = ROOT / "data/leaders/v1_1/verbatim_review.jsonl"  # texts withdrawn as too close to real remarks

STANCE = ("favor", "against", "neutral", "none")
SENTIMENT = ("positive", "negative", "neutral")
TARGETS = {"us": "stance_us", "ukraine": "stance_ukraine", "negotiations": "stance_negotiations"}
LABELS = ("stance_us", "stance_ukraine", "stance_negotiations", "sentiment")
EDITS = {"label_change": ("negation", "target_swap", "hedge"), "invariant": ("name_variant", "speaker_swap")}
SIDE_FIELDS = ("text_en", "speaker", "country", "lang", *LABELS)
FIELDS = ("id", "source_id", "kind", "edit", "target", "original", "edited", "note")
MINIMA = {"per_kind": 120, "per_target": 60, "total": 240, "max_per_source": 2}


def main() -> int:
    corpus = {r["id"]: r for r in map(json.loads, CORPUS.read_text(encoding="utf-8").splitlines()) if r}
    withdrawn = set()
    if VERBATIM_REVIEW.exists():
        withdrawn = {json.loads(line)["text_en_v1"] for line in VERBATIM_REVIEW.read_text(encoding="utf-8").splitlines() if line.strip()}
    errors, warnings, items = [], [], []
    for number, line in enumerate(CONTRAST.read_text(encoding="utf-8").splitlines(), 1):
        where = f"line {number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: not JSON ({exc})")
            continue
        missing = [f for f in FIELDS if f not in item]
        if missing:
            errors.append(f"{where}: missing {missing}")
            continue
        where = f"line {number} ({item['id']})"
        items.append(item)
        if item["id"] != f"contrast-{number:04d}":
            errors.append(f"{where}: id should be contrast-{number:04d}")
        if item["kind"] not in EDITS or item["edit"] not in EDITS.get(item["kind"], ()):
            errors.append(f"{where}: kind/edit {item['kind']}/{item['edit']} not allowed")
            continue
        if item["target"] not in TARGETS:
            errors.append(f"{where}: target {item['target']!r} not allowed")
            continue
        if not isinstance(item["note"], str) or not item["note"].strip():
            errors.append(f"{where}: empty note")
        orig, edit = item["original"], item["edited"]
        for side, record in (("original", orig), ("edited", edit)):
            if not isinstance(record, dict) or any(f not in record for f in SIDE_FIELDS):
                errors.append(f"{where}: {side} lacks one of {SIDE_FIELDS}")
                break
            for column in LABELS:
                allowed = SENTIMENT if column == "sentiment" else STANCE
                if record[column] not in allowed:
                    errors.append(f"{where}: {side}.{column} = {record[column]!r} not in {allowed}")
            if not isinstance(record["text_en"], str) or not record["text_en"].strip():
                errors.append(f"{where}: {side}.text_en empty")
            if record["text_en"] in withdrawn:
                errors.append(f"{where}: {side}.text_en is a text withdrawn in v1.1 as too close to a real remark")
        else:
            src = corpus.get(item["source_id"])
            if src is None:
                errors.append(f"{where}: source_id {item['source_id']} not in the corpus")
                continue
            if src["split"] != "test":
                errors.append(f"{where}: source {item['source_id']} is in split {src['split']}, not test")
            for column in LABELS:
                if orig[column] != src[column]:
                    errors.append(f"{where}: original.{column} = {orig[column]} but the corpus says {src[column]}")
            for column in ("speaker", "country", "lang"):
                if orig[column] != src[column]:
                    errors.append(f"{where}: original.{column} = {orig[column]!r} but the corpus says {src[column]!r}")
            if orig["text_en"] != src["text_en"]:
                warnings.append(f"{where}: the corpus text of {item['source_id']} has changed since this edit was made")
            if edit["lang"] != "en":
                errors.append(f"{where}: edited.lang must be 'en'")
            column = TARGETS[item["target"]]
            if item["kind"] == "label_change" and edit[column] == orig[column]:
                errors.append(f"{where}: label_change keeps {column} = {orig[column]}")
            if item["kind"] == "invariant":
                changed = [c for c in LABELS if edit[c] != orig[c]]
                if changed:
                    errors.append(f"{where}: invariant edit changes {changed}")
            if item["edit"] == "speaker_swap":
                if edit["text_en"] != orig["text_en"]:
                    errors.append(f"{where}: speaker_swap must keep text_en")
                if edit["speaker"] == orig["speaker"] or edit["country"] == orig["country"]:
                    errors.append(f"{where}: speaker_swap must change speaker and country")
            else:
                if edit["text_en"] == orig["text_en"]:
                    errors.append(f"{where}: the edit leaves text_en unchanged")
                if (edit["speaker"], edit["country"]) != (orig["speaker"], orig["country"]):
                    errors.append(f"{where}: only speaker_swap may change speaker or country")

    ids = [i["id"] for i in items]
    errors += [f"duplicate id {i}" for i, n in collections.Counter(ids).items() if n > 1]
    per_source = collections.Counter(i["source_id"] for i in items)
    errors += [f"{s}: {n} edits (at most {MINIMA['max_per_source']})" for s, n in per_source.items() if n > MINIMA["max_per_source"]]
    per_kind = collections.Counter(i["kind"] for i in items)
    per_target = collections.Counter(i["target"] for i in items)
    errors += [f"only {per_kind[k]} {k} edits (at least {MINIMA['per_kind']})" for k in EDITS if per_kind[k] < MINIMA["per_kind"]]
    errors += [f"only {per_target[t]} edits about {t} (at least {MINIMA['per_target']})" for t in TARGETS if per_target[t] < MINIMA["per_target"]]
    if len(items) < MINIMA["total"]:
        errors.append(f"only {len(items)} edits (at least {MINIMA['total']})")

    try:  # the project's own loader, when importable
        sys.path.insert(0, str(ROOT / "src"))
        from stancebench.data.contrast import ContrastSet

        ContrastSet(CONTRAST).items()
        loader = "stancebench.data.contrast.ContrastSet accepts the file"
    except ImportError as exc:
        loader = f"loader not checked ({exc})"
    except Exception as exc:  # DataError lists the problems
        errors.append(f"stancebench loader rejects the file: {exc}")
        loader = "loader rejects the file"

    print(f"{len(items)} edits of {len(per_source)} test statements; {loader}")
    table = collections.Counter((i["kind"], i["edit"], i["target"]) for i in items)
    print("kind          edit          us  ukraine  negotiations  total")
    for kind, edits in EDITS.items():
        for edit in edits:
            row = [table[(kind, edit, t)] for t in TARGETS]
            print(f"{kind:13} {edit:12} {row[0]:4} {row[1]:8} {row[2]:13} {sum(row):6}")
    print(f"{'all':13} {'':12} {per_target['us']:4} {per_target['ukraine']:8} {per_target['negotiations']:13} {len(items):6}")
    moved = collections.Counter(f"{i['target']}: {i['original'][TARGETS[i['target']]]} -> {i['edited'][TARGETS[i['target']]]}"
                                for i in items if i["kind"] == "label_change")
    print("label_change, target label original -> edited:")
    for key, n in sorted(moved.items()):
        print(f"  {key:32} {n}")
    also = sum(any(i["original"][c] != i["edited"][c] for c in LABELS if c != TARGETS[i["target"]]) for i in items if i["kind"] == "label_change")
    print(f"label_change edits that also change another label (sentiment included): {also}")
    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
