"""`data=ungd`: units cut from speech files, the selection rule, stand-off validation, the hash-checked
loader and a real training run, all on a small fake corpus written here; the real units file and
corpus are checked at the end (those tests skip, saying why, only where the corpus is absent)."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

import datasets
import pytest
import yaml

from conftest import REPO, write_jsonl
from stancebench.data import DataError, ExternalDataMissing, UNGDSource, file_sha256
from stancebench.data.hashing import text_sha256
from stancebench.data.ungd import validate_units
from stancebench.data.ungd_units import (
    MAX_WORDS,
    build_units,
    cut,
    gold_labels,
    paragraphs,
    select_units,
    sentence_spans,
    speech_units,
    unit_text,
)

EXTERNAL = Path(os.environ.get("STANCEBENCH_EXTERNAL") or REPO.parent / "shared" / "external")
UNITS = REPO / "data" / "ungd" / "units.jsonl"

# --- units ------------------------------------------------------------------------------------------


def test_broken_lines_are_joined_and_headings_salutations_kept_apart():
    text = ("Mr. President,\n"
            "Climate Action\n"
            "We support the efforts of the United\n"
            "Nations to end the war in Ukraine, which has caused suffering and\n"
            "hunger across the world.\n"
            "\n"
            "Peace must come, and we call on the parties, all of them,\n"
            "Russia and Ukraine alike, to talk.\n"
            "The end.\n")
    spans = paragraphs(text)
    assert [(a, b) for a, b, _, _ in spans] == [(1, 1), (2, 2), (3, 5), (7, 8), (9, 9)]
    units = speech_units(text, "XYZ_77_2022", "2022/XYZ_77_2022.txt")
    assert units[2].text == ("We support the efforts of the United Nations to end the war in Ukraine, "
                             "which has caused suffering and hunger across the world.")
    assert [u.id for u in units] == [f"XYZ_77_2022#{n}" for n in (1, 2, 3, 7, 9)]
    for unit in units:  # offsets point back at exactly the unit's text
        assert unit_text(text, unit.start, unit.end) == unit.text


def test_long_paragraphs_are_cut_at_sentence_boundaries_into_even_pieces():
    sentence = "Mr. President, the delegation of the U.S. and others spoke at length about {} matters today."
    text = " ".join(sentence.format(i) for i in range(24))  # 24 sentences x 16 words = 384 words
    assert len(sentence_spans(text, 0, len(text))) == 24  # "Mr." and "U.S." do not end sentences
    pieces = cut(text, 0, len(text))
    assert len(pieces) == 3
    sizes = [len(text[a:b].split()) for a, b in pieces]
    assert sum(sizes) == 384 and max(sizes) <= MAX_WORDS and max(sizes) - min(sizes) <= 16
    assert all(text[a:b].endswith("today.") and text[a:b].startswith("Mr.") for a, b in pieces)
    units = speech_units(text + "\n", "XYZ_77_2022", "p")
    assert [u.id for u in units] == ["XYZ_77_2022#1.1", "XYZ_77_2022#1.2", "XYZ_77_2022#1.3"]


# --- a fake corpus ----------------------------------------------------------------------------------

COUNTRIES = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "III", "JJJ"]
TOPICS = [
    ("The war in Ukraine must end through talks and a ceasefire now.", "favor", "favor"),
    ("Russia's aggression against Ukraine is a crime we condemn.", "favor", "none"),
    ("The United States has helped our farmers with aid.", "none", "none"),
    ("We reject any negotiations with the Kyiv regime.", "against", "against"),
]
FILLER = "Our country invests in schools, roads and clean water for every family in every village of the land."


def write_fake_corpus(root: Path, layout: str = "years") -> Path:
    """ungdc/ with one speech per country and year, a speakers file; returns the corpus folder."""
    corpus = root / "ungdc"
    rows = ["Year,Session,ISO Code,Country,Name of Person Speaking,Post,Unnamed: 6"]
    for year, session in ((2021, 76), (2022, 77), (2023, 78)):
        folder = corpus / (str(year) if layout == "years" else f"TXT/Session {session} - {year}")
        folder.mkdir(parents=True, exist_ok=True)
        for k, country in enumerate(COUNTRIES):
            lines = ["Mr. President,"]
            for j in range(4):
                topic = TOPICS[(k + j + year) % len(TOPICS)][0]
                lines.append(f"{FILLER} {topic}")
                lines.append(f"{FILLER} Number {j} of speech {country}.")
            (folder / f"{country}_{session}_{year}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            rows.append(f"{year},{session},{country},Country {country} ,Speaker {country} ,President ,")
    (corpus / "speakers_2021-2024.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return corpus


def fake_labels(candidates: list[dict], corpus: Path) -> dict[str, dict]:
    """Labels read off the fake texts (each topic sentence carries its labels)."""
    labels = {}
    for row in candidates:
        text = unit_text((corpus / row["path"]).read_text(encoding="utf-8"), row["start"], row["end"])
        topic = next((t for t in TOPICS if t[0] in text), None)
        ukraine, negotiations = (topic[1], topic[2]) if topic else ("none", "none")
        labels[row["id"]] = {"stance_us": "favor" if "United States" in text else "none",
                             "stance_ukraine": ukraine, "stance_negotiations": negotiations,
                             "sentiment": "negative" if "condemn" in text or "reject" in text else "neutral"}
    return labels


@pytest.fixture
def fake(tmp_path: Path) -> dict:
    """A fake corpus under tmp_path/external and its labelled units file."""
    corpus = write_fake_corpus(tmp_path / "external")
    candidates = select_units(corpus)
    units = write_jsonl(tmp_path / "units.jsonl", build_units(candidates, fake_labels(candidates, corpus)))
    return {"root": tmp_path / "external", "corpus": corpus, "units": units, "candidates": candidates}


def test_selection_takes_every_matching_unit_plus_a_seeded_sample(fake):
    rows = fake["candidates"]
    matched = [r for r in rows if r["selected_by"] != ["sample"]]
    assert len(matched) == 4 * 3 * len(COUNTRIES)  # every topic line of every speech
    sample = [r for r in rows if r["selected_by"] == ["sample"]]
    assert len(sample) == round(0.15 * len(matched))
    assert all(r["id"].split("#")[1] in {"3", "5", "7", "9"} for r in sample)  # filler lines, not salutations
    assert select_units(fake["corpus"]) == rows and select_units(fake["corpus"], seed=1) != rows
    first = rows[0]
    assert first["speaker"] == "Speaker AAA" and first["speaker_post"] == "President"  # stray spaces stripped
    text = unit_text((fake["corpus"] / first["path"]).read_text(encoding="utf-8"), first["start"], first["end"])
    assert first["text_sha256"] == text_sha256(text) and "text" not in first


def test_country_disjoint_splits(fake):
    units = [json.loads(line) for line in fake["units"].read_text().splitlines()]
    splits_of = collections.defaultdict(set)
    for unit in units:
        splits_of[unit["country"]].add(unit["split"])
    assert all(len(s) == 1 for s in splits_of.values())
    assert {s for (s,) in splits_of.values()} == {"train", "dev", "test"}


def test_iterative_group_splits_spread_a_rare_label_that_few_groups_hold():
    from stancebench.data.splits import iterative_group_splits

    records = []
    for g in range(40):  # 40 countries of 10 units; 'against' only in countries 0-3, 5 units each
        for k in range(10):
            label = "against" if g < 4 and k < 5 else ["favor", "none"][k % 2]
            records.append({"country": f"C{g:02d}", "stance_us": label})
    splits = iterative_group_splits(records, "country", {"test": 0.3, "dev": 0.1, "train": 0.6}, ("stance_us",))
    by_country = collections.defaultdict(set)
    for record, split in zip(records, splits):
        by_country[record["country"]].add(split)
    assert all(len(s) == 1 for s in by_country.values())
    against = collections.Counter(s for r, s in zip(records, splits) if r["stance_us"] == "against")
    assert against["test"] >= 5 and against["train"] >= 10  # not all four rare countries on one side
    sizes = collections.Counter(splits)
    assert abs(sizes["test"] / len(records) - 0.3) <= 0.05 and abs(sizes["dev"] / len(records) - 0.1) <= 0.05


def test_loader_yields_the_leader_columns_with_classlabels(fake):
    data = UNGDSource(fake["root"], fake["units"]).load()
    assert set(data) == {"train", "dev", "test"}
    assert sum(len(d) for d in data.values()) == len(fake["candidates"])
    train = data["train"]
    assert isinstance(train.features["stance_ukraine"], datasets.ClassLabel)
    assert train.features["stance_ukraine"].names == ["favor", "against", "neutral", "none"]
    row = train[0]
    assert row["text"] == row["text_en"] and row["lang"] == "en" and row["origin"] == "verbatim"
    assert row["family"] == row["id"].split("#")[0] and row["date"].endswith("-09")
    assert UNGDSource(fake["root"], fake["units"]).content_hash == file_sha256(fake["units"])


def test_year_split_trains_on_2021_2022_and_tests_on_2023(fake):
    source = UNGDSource(fake["root"], fake["units"], split="year")
    data = source.load()
    assert {d[:4] for d in data["test"]["date"]} == {"2023"}
    assert {d[:4] for d in data["train"]["date"]} | {d[:4] for d in data["dev"]["date"]} == {"2021", "2022"}
    assert not set(data["train"]["country"]) & set(data["dev"]["country"])
    assert source.name == "ungd_year"
    with pytest.raises(ValueError, match="data.split must be one of country, year"):
        UNGDSource(fake["root"], fake["units"], split="speaker")


def test_archive_layout_is_read_too(tmp_path, fake):
    write_fake_corpus(tmp_path / "archive", layout="archive")
    data = UNGDSource(tmp_path / "archive", fake["units"]).load()
    assert sum(len(d) for d in data.values()) == len(fake["candidates"])


def test_changed_and_missing_texts_are_one_report_naming_each_unit(fake):
    units = [json.loads(line) for line in fake["units"].read_text().splitlines()]
    edited = fake["corpus"] / units[0]["path"]
    edited.write_text(edited.read_text().replace("schools", "hospitals"), encoding="utf-8")
    gone = next(u["path"] for u in units if u["path"] != units[0]["path"])
    (fake["corpus"] / gone).unlink()
    with pytest.raises(DataError) as err:
        UNGDSource(fake["root"], fake["units"]).load()
    message = str(err.value)
    changed = [u for u in units if u["path"] == units[0]["path"]]
    missing = [u for u in units if u["path"] == gone]
    assert len(err.value.problems) == len(changed) + len(missing)
    for unit in changed + missing:
        assert f"unit {unit['id']}" in message
    assert f"field 'text_sha256': unit {changed[0]['id']}: the text at {edited}" in message
    assert f"(got '{changed[0]['text_sha256']}')" in message  # the expected hash
    assert f"field 'path': unit {missing[0]['id']}: speech file not found" in message
    assert "doi:10.7910/DVN/0TJX8Y" in message
    assert f"  {units[0]['path']}: {len(changed)} unit(s) whose text changed" in message
    assert f"  {gone}: {len(missing)} unit(s) in a missing file" in message


def test_missing_corpus_says_where_to_get_it(fake, tmp_path):
    with pytest.raises(ExternalDataMissing) as err:
        UNGDSource(tmp_path / "nowhere", fake["units"]).load()
    assert "doi:10.7910/DVN/0TJX8Y" in str(err.value) and "STANCEBENCH_EXTERNAL" in str(err.value)


def test_bad_units_file_reports_every_problem_with_line_field_value(fake, tmp_path):
    units = [json.loads(line) for line in fake["units"].read_text().splitlines()][:4]
    second_id = units[1]["id"]
    units[0]["stance_us"] = "pro"
    units[1]["id"] = units[0]["id"]
    units[2]["end"] = 10**9
    units[3]["start"] = units[3]["end"] + 5
    units.append({**units[3], "id": "AAA_77_2022#99", "start": 0})
    bad = write_jsonl(tmp_path / "bad.jsonl", units)
    with pytest.raises(DataError) as err:
        UNGDSource(fake["root"], bad).load()
    message = str(err.value)
    assert "bad.jsonl:1: field 'stance_us': must be one of favor, against, neutral, none (got 'pro')" in message
    assert "bad.jsonl:2: field 'id': duplicate id (first on line 1)" in message
    assert "bad.jsonl:4: field 'end': must be greater than start" in message
    assert "bad.jsonl:5: field 'path'" in message  # id names AAA_77_2022, path another speech
    # offsets outside the file surface once the fields themselves are valid
    del units[3:]
    units[0]["stance_us"], units[1]["id"] = "none", second_id
    bad = write_jsonl(tmp_path / "bad.jsonl", units)
    with pytest.raises(DataError, match=r"bad.jsonl:3: field 'end': unit .*: offset outside .* characters\)"):
        UNGDSource(fake["root"], bad).load()
    empty = write_jsonl(tmp_path / "empty.jsonl", [])
    assert "no units: the file is empty" in str(validate_units(empty)[1][0])


def test_gold_labels_take_agreement_and_adjudication_and_refuse_gaps():
    a = {"u1": dict(stance_us="none", stance_ukraine="favor", stance_negotiations="none", sentiment="neutral"),
         "u2": dict(stance_us="none", stance_ukraine="neutral", stance_negotiations="none", sentiment="neutral")}
    b = {"u1": {**a["u1"], "stance_ukraine": "neutral"}, "u2": {**a["u2"], "sentiment": "negative"}}
    adjudication = [(1, {"id": "u1", "field": "stance_ukraine", "candidates": ["neutral", "favor"], "gold": "favor"})]
    gold, problems = gold_labels(["u1", "u2"], a, b, adjudication)
    assert gold["u1"]["stance_ukraine"] == "favor"
    assert [str(p) for p in problems] == [
        "adjudication.jsonl:0: field 'id': dispute on sentiment (neutral vs negative) not adjudicated (got 'u2')"]
    wrong = [(1, {"id": "u1", "field": "stance_ukraine", "candidates": ["neutral", "favor"], "gold": "against"}),
             (2, {"id": "u2", "field": "stance_us", "candidates": ["none", "favor"], "gold": "none"})]
    _, problems = gold_labels(["u1"], a, b, wrong)
    assert "must be 'favor' or 'neutral'" in str(problems[0]) and "on which the passes agree" in str(problems[1])


# --- the real pipeline on the fake corpus ------------------------------------------------------------

def test_ungd_trains_through_the_app_and_logs_the_units_hash(cfg_factory, fake, tmp_path, capsys):
    from mlflow.tracking import MlflowClient

    from stancebench.train import train

    cfg = cfg_factory("data=ungd", f"data.root={fake['root']}", f"data.units={fake['units']}",
                      "task=stance_ukraine", "model=tfidf_logreg", "bootstrap.n_resamples=50")
    result, objects = train(cfg)
    metrics = result.metrics()
    assert metrics["test_f_avg"] > 0.9  # the fake sentences say their stance in so many words
    run = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db").get_run(objects["run_id"])
    assert run.info.status == "FINISHED" and run.data.tags["data"] == "ungd"
    assert run.data.tags["corpus_sha256"] == file_sha256(fake["units"])
    console = capsys.readouterr().out  # F_avg's halves are printed beside it
    assert "favor_f1" in console and f"{metrics['test_against_f1']:.3f}" in console


def test_training_command_with_a_changed_text_ends_with_the_report(fake, tmp_path):
    first = json.loads(fake["units"].read_text().splitlines()[0])
    (fake["corpus"] / first["path"]).write_text("nothing\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/m.db"}
    result = subprocess.run(
        [sys.executable, "-m", "stancebench.train", "data=ungd", f"data.root={fake['root']}",
         f"data.units={fake['units']}", f"hydra.run.dir={tmp_path}/run"],
        capture_output=True, text=True, env=env, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output
    assert f"unit {first['id']}" in output and "doi:10.7910/DVN/0TJX8Y" in output


def test_cli_select_check_show(fake, tmp_path, capsys):
    from stancebench.cli import main

    out = tmp_path / "candidates.jsonl"
    assert main(["ungd", "select", "--root", str(fake["root"]), "--out", str(out)]) == 0
    assert [json.loads(line) for line in out.read_text().splitlines()] == fake["candidates"]
    assert main(["ungd", "check", "--root", str(fake["root"]), "--units", str(fake["units"])]) == 0
    assert main(["ungd", "check", "--root", str(tmp_path / "nowhere"), "--units", str(fake["units"])]) == 1
    first = json.loads(fake["units"].read_text().splitlines()[0])
    capsys.readouterr()
    assert main(["ungd", "show", first["id"], "--root", str(fake["root"]), "--units", str(fake["units"])]) == 0
    text = unit_text((fake["corpus"] / first["path"]).read_text(encoding="utf-8"), first["start"], first["end"])
    assert text in capsys.readouterr().out
    assert main(["ungd", "show", "AAA_77_2022#404", "--root", str(fake["root"]), "--units", str(fake["units"])]) == 1
    assert main(["ungd", "stats", "--units", str(fake["units"])]) == 0
    assert "## stance_ukraine" in capsys.readouterr().out


# --- the real units file (and corpus, where present) --------------------------------------------------

needs_units = pytest.mark.skipif(not UNITS.is_file(), reason="data/ungd/units.jsonl not built yet")
needs_corpus = pytest.mark.skipif(
    not (EXTERNAL / "ungdc").is_dir(),
    reason=f"UN General Debate Corpus not found under {EXTERNAL}/ungdc (doi:10.7910/DVN/0TJX8Y; "
           "set STANCEBENCH_EXTERNAL to the folder holding ungdc/)")


@needs_units
def test_units_file_is_valid_has_no_text_and_matches_its_data_card():
    records, problems = validate_units(UNITS)
    assert problems == []
    assert len(records) >= 2000 and len({r["country"] for r in records}) >= 150
    assert {r["year"] for r in records} == {2021, 2022, 2023}
    assert "text" not in records[0]
    card = (REPO / "data" / "ungd" / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["units_sha256"] == file_sha256(UNITS), (
        "units.jsonl changed: update units_sha256 (and the tables) in data/ungd/README.md")
    by_country = collections.defaultdict(set)
    for record in records:
        by_country[record["country"]].add(record["split"])
    assert all(len(s) == 1 for s in by_country.values()), "the default split is country-disjoint"
    test_share = sum(r["split"] == "test" for r in records) / len(records)
    assert test_share >= 0.25


@needs_units
@needs_corpus
def test_real_units_load_with_matching_hashes_and_rerun_the_selection():
    data = UNGDSource(EXTERNAL, UNITS).load()
    assert sum(len(d) for d in data.values()) == len(UNITS.read_text().splitlines())
    rows = select_units(EXTERNAL / "ungdc")
    stored = [json.loads(line) for line in UNITS.read_text().splitlines()]
    keys = ("id", "path", "line", "line_end", "start", "end", "text_sha256", "selected_by")
    assert [{k: r[k] for k in keys} for r in rows] == [{k: r[k] for k in keys} for r in stored]
