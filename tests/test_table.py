"""`data=table` on the shapes real stance files come in, and the data checks every source gets.

Each test writes its small files into `tmp_path`: GB18030 bytes, CR-only line endings, two
(target, stance) slots per row, NONE rows to drop, duplicated and conflicting texts.
"""

from __future__ import annotations

import json
import logging

import mlflow
import pytest
from hydra.utils import instantiate

from stancebench.config import compose_config
from stancebench.data import DataError, TableSource
from stancebench.data.checks import DuplicateTexts, check_data
from stancebench.data.schema import STANCE_LABELS
from stancebench.evaluation import RunResult, SplitScores
from stancebench.report import print_results
from stancebench.tasks import get_task

ZH = "这是关于气候变化的推文，我们支持它"  # GB18030: every character two bytes >= 0x81


def gb18030_csv(path, rows: int = 12):
    lines = ["id,text,label,split"] + [f"{i},{ZH}{i},{('FAVOR', 'AGAINST')[i % 2]},{('train', 'test')[i % 3 == 0]}"
                                        for i in range(rows)]
    path.write_bytes("\r\n".join(lines).encode("gb18030") + b"\r\n")
    return path


def frame(source, split="train", **task):
    return get_task("stance", **task).frame(source.load()[split], split, source.targets)


# --- labels to drop ---------------------------------------------------------------------------------

def test_none_mapped_to_null_or_listed_in_drop_labels_is_dropped_and_counted(tmp_path, caplog):
    path = tmp_path / "mine.csv"
    path.write_text("text,topic,label,sent,split\n"
                    "we back it,aid,FAVOR,positive,train\nno way,aid,AGAINST,negative,train\n"
                    "lunch,aid,NONE,,train\nnice weather,aid,NONE,positive,train\n"
                    "yes please,aid,FAVOR,,test\nnope,aid,AGAINST,,test\nbus,aid,NONE,,test\n")
    columns = {"text": "text", "target": "topic", "stance": "label", "split": "split", "sentiment": "sent"}
    with caplog.at_level(logging.INFO, logger="stancebench.data.table"):
        mapped = TableSource(path, columns=columns, stance_labels={"NONE": None})
        mapped.load()
    listed = TableSource(path, columns=columns, drop_labels=["none"])  # our name, another case
    for source in (mapped, listed):
        assert source.labels("stance") == ("favor", "against")
        assert frame(source)["label"].tolist() == ["favor", "against"]
        assert frame(source, "test")["label"].tolist() == ["favor", "against"]
        # "lunch" had no label left and is gone; "nice weather" keeps its sentiment
        assert source.load()["train"]["text"] == ["we back it", "no way", "nice weather"]
        assert source.stats["dropped"] == {"train": {"stance=NONE": 2}, "dev": {}, "test": {"stance=NONE": 1}}
        assert source.stats["rows"] == {"train": 3, "dev": 0, "test": 2}
    assert "stance=NONE" in caplog.text and "dropped" in caplog.text


def test_drop_labels_config_composes_and_null_mapping_is_no_longer_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("text,label,split\na,FAVOR,train\nb,NONE,train\n")
    for override in ("data.stance_labels={NONE: null}", "data.drop_labels=[NONE]"):
        cfg = compose_config(["data=table", f"data.files={path}", "data.columns.stance=label", "data.columns.split=split",
                              "data.target=x", override])
        source = instantiate(cfg.data)
        assert source.load()["train"]["text"] == ["a"]
    with pytest.raises(ValueError, match="or null to drop"):
        TableSource(path, columns={"text": "text", "stance": "label", "split": "split"}, target="x",
                    stance_labels={"NONE": "nothing"})


def test_split_fractions_are_drawn_before_dropping(tmp_path):
    path = tmp_path / "all.csv"
    path.write_text("text,label\n" + "".join(f"t{i},{('favor', 'against', 'none')[i % 3]}\n" for i in range(30)))
    kept = TableSource(path, columns={"text": "text", "stance": "label"}, target="x",
                       split_fractions={"test": 0.3}, drop_labels=["none"]).load()
    full = TableSource(path, columns={"text": "text", "stance": "label"}, target="x", split_fractions={"test": 0.3}).load()
    assert set(kept["test"]["id"]) <= set(full["test"]["id"])  # same rows held out, minus the dropped


# --- several (target, stance) slots per row ----------------------------------------------------------

def test_two_slots_per_row_give_one_example_per_filled_slot(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text("ID,Tweet,Target 1,Stance 1,Target 2,Stance 2,split\n"
                    "1,vote for her not him,Hillary Clinton,FAVOR,Donald Trump,AGAINST,train\n"
                    "2,both are awful,Donald Trump,AGAINST,Hillary Clinton,AGAINST,train\n"
                    "3,only one target here,Donald Trump,NONE,,,train\n"
                    "4,he is great,Donald Trump,FAVOR,Hillary Clinton,NONE,test\n")
    source = TableSource(path, columns={"text": "Tweet", "id": "ID", "split": "split",
                                        "slots": [{"target": "Target 1", "stance": "Stance 1"},
                                                  {"target": "Target 2", "stance": "Stance 2"}]},
                         target_names={"Hillary Clinton": "hillary", "Donald Trump": "trump"})
    assert source.targets == ("hillary", "trump")
    examples = frame(source).sort_values(["id", "target"])[["id", "target", "label"]].values.tolist()
    assert examples == [["1", "hillary", "favor"], ["1", "trump", "against"], ["2", "hillary", "against"],
                        ["2", "trump", "against"], ["3", "trump", "none"]]
    assert frame(source, "test", target="trump")["label"].tolist() == ["favor"]
    # favor/against only: the NONE slots go, the rest of their rows stay
    dropped = TableSource(path, columns=source.columns, target_names=source.target_names, drop_labels=["NONE"])
    assert len(frame(dropped)) == 4 and dropped.stats["dropped"]["train"] == {"stance=NONE": 1}
    assert dropped.load()["train"].num_rows == 2  # row 3 had only a NONE


def test_slot_layout_errors_point_to_columns_slots(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text("Tweet,Target 1,Stance 1,Target 2,Stance 2,split\n"
                    "a,x,FAVOR,,AGAINST,train\nb,x,FAVOR,x,AGAINST,train\n")
    with pytest.raises(ValueError, match="data.columns.slots"):
        TableSource(path, columns={"text": "Tweet", "target": ["Target 1", "Target 2"], "stance": "Stance 1",
                                   "split": "split"})
    with pytest.raises(ValueError, match=r"slots\[1\] must name two columns"):
        TableSource(path, columns={"text": "Tweet", "split": "split",
                                   "slots": [{"target": "Target 1", "stance": "Stance 1"}, {"target": "Target 2"}]})
    slots = [{"target": "Target 1", "stance": "Stance 1"}, {"target": "Target 2", "stance": "Stance 2"}]
    with pytest.raises(DataError) as err:
        TableSource(path, columns={"text": "Tweet", "split": "split", "slots": slots}).load()
    found = {(p.line, p.field): p.message for p in err.value.problems}
    assert "holds a stance label" in found[(2, "columns.slots[1].target=Target 2")]
    assert "in an earlier slot too" in found[(3, "columns.slots[1].target=Target 2")]
    with pytest.raises(DataError, match="no such column; the file has: Tweet, Target 1"):
        TableSource(path, columns={"text": "Tweet", "split": "split",
                                   "slots": [{"target": "Target 1", "stance": "Stance 1"},
                                             {"target": "Target 3", "stance": "Stance 3"}]}).load()


def test_slots_override_as_in_the_readme_composes(tmp_path):
    cfg = compose_config(["data=table", f"data.files={tmp_path}/t.csv", "data.columns.text=Tweet",
                          "data.columns.split=split",
                          "data.columns.slots=[{target: Target 1, stance: Stance 1}, {target: Target 2, stance: Stance 2}]"])
    source = instantiate(cfg.data)
    assert source.slots == [{"target": "Target 1", "stance": "Stance 1"}, {"target": "Target 2", "stance": "Stance 2"}]


# --- encodings and line endings ----------------------------------------------------------------------

def test_gb18030_as_utf8_is_one_problem_naming_gb18030(tmp_path):
    path = gb18030_csv(tmp_path / "zh.csv")
    with pytest.raises(DataError) as err:
        TableSource(path, columns={"text": "text", "stance": "label", "split": "split"}, target="climate").load()
    problems = err.value.problems
    assert len(problems) == 1  # not one per line
    message = problems[0].message
    assert "not valid utf-8 on 12 line(s) (2, 3, 4, 5, 6, 7, 8, 9, ...)" in message
    assert "look like gb18030" in message and "data.encoding=gb18030" in message
    assert "cp1252" not in message.split("look like")[0]  # no blind list of encodings that decode anything
    source = TableSource(path, columns={"text": "text", "stance": "label", "split": "split"}, target="climate",
                         encoding="gb18030")
    assert source.load()["train"]["text"][0] == f"{ZH}1"


def test_gb18030_read_as_latin1_or_cp1252_warns_loudly(tmp_path, caplog):
    path = gb18030_csv(tmp_path / "zh.csv")
    for encoding in ("latin-1", "cp1252"):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="stancebench.data.table"):
            source = TableSource(path, columns={"text": "text", "stance": "label", "split": "split"},
                                 target="climate", encoding=encoding)
            source.load()
        warning = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warning) == 1 and "mojibake" in warning[0].message and "gb18030" in warning[0].message
        assert source.stats["warnings"] and "mojibake" in source.stats["warnings"][0]


def test_accented_western_text_in_cp1252_does_not_warn(tmp_path, caplog):
    path = tmp_path / "fr.tsv"
    text = "Café crème à la fenêtre, «déjà vu» – ça va très bien, naïve façade; Grüße aus Köln"
    path.write_bytes(("text\tlabel\tsplit\n" + "".join(f"{text} {i}\tfavor\ttrain\n" for i in range(20))).encode("cp1252"))
    with caplog.at_level(logging.WARNING, logger="stancebench.data.table"):
        source = TableSource(path, columns={"text": "text", "stance": "label", "split": "split"}, target="x",
                             encoding="cp1252")
        assert source.load()["train"]["text"][0] == f"{text} 0"
    assert not caplog.records and source.stats["warnings"] == []


def test_utf8_read_as_cp1252_warns(tmp_path, caplog):
    path = tmp_path / "u.csv"
    path.write_text("text,label,split\n" + "".join(f"l’été à Köln {i},favor,train\n" for i in range(5)), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="stancebench.data.table"):
        TableSource(path, columns={"text": "text", "stance": "label", "split": "split"}, target="x",
                    encoding="cp1252").load()
    assert "UTF-8 read as cp1252" in caplog.text and "data.encoding=utf-8" in caplog.text


def test_cr_only_line_endings_in_csv_and_jsonl(tmp_path):
    csv_path = tmp_path / "mac.csv"
    csv_path.write_bytes(b"text,label,split\rone,favor,train\rtwo,against,train\rthree,none,test\r")
    jsonl_path = tmp_path / "mac.jsonl"
    jsonl_path.write_bytes(b"".join(json.dumps({"text": t, "label": l, "split": s}).encode() + b"\r"
                                    for t, l, s in (("one", "favor", "train"), ("two", "against", "test"))))
    for path, rows in ((csv_path, {"train": 2, "test": 1}), (jsonl_path, {"train": 1, "test": 1})):
        source = TableSource(path, columns={"text": "text", "stance": "label", "split": "split"}, target="x")
        data = source.load()
        assert {s: data[s].num_rows for s in ("train", "test")} == rows
        assert data["train"]["id"][0] == f"{path.stem}-2" if path.suffix == ".csv" else f"{path.stem}-1"
        assert not any("\r" in t for t in data["train"]["text"])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"text,label,split\rone,favor,train\rcaf\xe9,favor,train\rok,favor,test\r")
    with pytest.raises(DataError) as err:
        TableSource(bad, columns={"text": "text", "stance": "label", "split": "split"}, target="x").load()
    assert err.value.problems[0].line == 3  # counted with CR line endings


# --- data checks: duplicates, conflicts, leakage -------------------------------------------------------

def dup_source(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("text,topic,label,split\n"
                    "Same  text,a,favor,train\nsame text,a,favor,train\n"      # duplicate (whitespace, case)
                    "torn,a,favor,train\ntorn,a,against,train\n"              # conflicting labels
                    "two targets,a,favor,train\ntwo targets,b,against,train\n"  # one text, two targets: fine
                    "leaked,a,against,train\nleaked,a,against,test\n"         # in train and test
                    "unique,a,none,train\nheld out,a,favor,test\n")
    return TableSource(path, columns={"text": "text", "target": "topic", "stance": "label", "split": "split"})


def test_check_data_reports_duplicates_conflicts_and_shared_texts(tmp_path, caplog):
    source = dup_source(tmp_path)
    with caplog.at_level(logging.WARNING, logger="stancebench.data.checks"):
        dataset, report = check_data(source, source.load())
    assert dataset["train"].num_rows == 8  # warn keeps everything
    assert report["within_split"]["train"] == {"duplicated_texts": 2, "extra_copies": 2, "conflicting_texts": 1}
    assert report["across_splits"]["train/test"] == {"texts": 1, "with_other_labels": 0}
    assert report["examples"]["conflicting"][0]["labels"] == ["against", "favor"]
    assert report["examples"]["shared"][0]["text"] == "leaked"
    assert "2 duplicated texts" in caplog.text and "train/test: 1 texts in both" in caplog.text and "'torn'" in caplog.text
    json.dumps(report)  # logged as data_checks.json


def test_check_data_drop_and_error(tmp_path):
    source = dup_source(tmp_path)
    dataset, report = check_data(source, source.load(), on_duplicates="drop")
    train = get_task("stance").frame(dataset["train"], "train", source.targets)
    assert sorted(train["text"]) == ["Same  text", "two targets", "two targets", "unique"]
    assert sorted(get_task("stance").frame(dataset["test"], "test", source.targets)["text"]) == ["held out", "leaked"]
    assert report["dropped"]["train"] == {"examples": 4, "rows": 4}
    again, second = check_data(source, dataset)
    assert not any(v["duplicated_texts"] for v in second["within_split"].values())
    with pytest.raises(DuplicateTexts, match="on_duplicates=drop") as err:
        check_data(source, source.load(), on_duplicates="error")
    assert isinstance(err.value, DataError) and err.value.problems
    with pytest.raises(ValueError, match="warn, drop, error"):
        check_data(source, source.load(), on_duplicates="ignore")


def test_clean_data_passes_the_checks_quietly(tmp_path, caplog):
    path = tmp_path / "ok.csv"
    path.write_text("text,label,split\na,favor,train\nb,against,train\nc,favor,test\n")
    source = TableSource(path, columns={"text": "text", "stance": "label", "split": "split"}, target="x")
    with caplog.at_level(logging.WARNING):
        _, report = check_data(source, source.load(), on_duplicates="error")
    assert not caplog.records and report["source_stats"]["rows"]["train"] == 2


# --- the console table --------------------------------------------------------------------------------

def test_console_table_shows_per_target_f_avg_and_their_mean_beside_the_pooled_score(capsys):
    result = RunResult(task="stance", data="x", model="majority", main_score="f_avg", labels=tuple(STANCE_LABELS),
                       corpus_sha256="x", version="0", commit="c",
                       splits={"test": SplitScores({"f_avg": 0.559, "macro_f1": 0.3, "accuracy": 0.6},
                                                   {"f_avg": (0.5, 0.6)}, per_target={"trump": 0.41, "hillary": 0.35})})
    print_results(result, "majority on x/stance")
    out = capsys.readouterr().out
    assert "f_avg, pooled" in out and "0.559" in out and "[0.500, 0.600]" in out
    assert "f_avg, mean of 2 targets" in out and "0.380" in out
    assert "trump f_avg" in out and "0.410" in out and "hillary f_avg" in out


# --- through the app -----------------------------------------------------------------------------------

def test_slots_and_dropped_labels_run_through_the_app_and_log_the_checks(cfg_factory, tmp_path):
    from stancebench.train import train

    words = {"favor": "love support great", "against": "hate oppose awful", "none": "lunch bus weather"}
    labels = ("favor", "against", "none")
    for split, n in (("train", 30), ("dev", 9), ("test", 9)):
        rows = ["Tweet,Target 1,Stance 1,Target 2,Stance 2"]
        for i in range(n):
            one, two = labels[i % 3], labels[(i + 1) % 3]
            rows.append(f"{split} {i} {words[one]} {words[two]},Trump,{one.upper()},Clinton,{two.upper()}")
        rows.append(rows[1])  # a duplicated text in each split
        (tmp_path / f"{split}.csv").write_text("\n".join(rows) + "\n")
    files = "{" + ", ".join(f"{s}: {tmp_path}/{s}.csv" for s in ("train", "dev", "test")) + "}"
    result, objects = train(cfg_factory(
        "data=table", f"data.files={files}", "data.columns.text=Tweet",
        "data.columns.slots=[{target: Target 1, stance: Stance 1}, {target: Target 2, stance: Stance 2}]",
        "data.drop_labels=[NONE]", "task=stance", "task.target=Trump", "model=tfidf_logreg", "save_model=false",
        "bootstrap.n_resamples=20"))
    assert result.labels == ("favor", "against") and result.task == "stance_Trump"
    checks = mlflow.artifacts.load_dict(f"runs:/{objects['run_id']}/data_checks.json")
    assert checks["source_stats"]["dropped"]["train"] == {"stance=NONE": 20}
    assert checks["within_split"]["train"]["duplicated_texts"] == 1


def test_encoding_guess_of_a_mostly_ascii_gb18030_file():
    """A few CJK words per line of Latin text: the guess must come from those bytes, not the ASCII."""
    from stancebench.data.readers import encoding_advice

    raw = "".join(f"Biden 好的 support love and Trump 很差 oppose {i}\tFAVOR\n" for i in range(200)).encode("gb18030")
    assert "set data.encoding=gb18030" in encoding_advice(raw, "utf-8")
