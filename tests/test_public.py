"""Public benchmarks: official metric reproductions, the adapters, `data=table`, per-target models.

Tests on the real data read it from `../shared/external` (or `STANCEBENCH_EXTERNAL`) and skip with
that reason where it is absent; everything else runs on small files written into `tmp_path` in the
real files' formats (CRLF, cp1252 bytes, TweetEval's one-file-per-column layout).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra.utils import instantiate

from stancebench import metrics as M
from stancebench._paths import register_resolvers
from stancebench.config import compose_config
from stancebench.data import (
    CrossDomain,
    DataError,
    ExternalDataMissing,
    LeadersCorpus,
    SemEval2016,
    TableSource,
    TweetEvalSentiment,
    TweetEvalStance,
)
from stancebench.data.reference import majority_class_predictions, tweeteval_reference_predictions
from stancebench.data.schema import SENTIMENT_LABELS, STANCE_LABELS
from stancebench.data.tweeteval import TWEETEVAL_TARGETS, match_key
from stancebench.tasks import get_task

REPO = Path(__file__).resolve().parents[1]
EXTERNAL = Path(os.environ.get("STANCEBENCH_EXTERNAL") or REPO.parent / "shared" / "external")
register_resolvers()


def needs(folder: str):
    """Skip, saying why and how to fix it, when a public data folder is absent."""
    return pytest.mark.skipif(
        not (EXTERNAL / folder).is_dir(),
        reason=f"public data {folder}/ not found under {EXTERNAL} (licences forbid shipping it; "
               "set STANCEBENCH_EXTERNAL to the folder holding tweeteval/, semeval2016_task6/, semeval2017_task4a/)",
    )


# --- 3. official metrics, exactly -----------------------------------------------------------------

@needs("tweeteval")
def test_roberta_retrained_predictions_score_the_published_72_44_stance_and_72_86_sentiment():
    ref = tweeteval_reference_predictions(EXTERNAL)
    stance = M.scores(ref["stance"]["gold"], ref["stance"]["predicted"], STANCE_LABELS)
    assert len(ref["stance"]["gold"]) == 1249
    assert round(100 * stance["f_avg"], 2) == 72.44
    # the trap the README warns about: F_avg per target, then averaged, is not the official number
    frame = pd.DataFrame(ref["stance"])
    per_target = {t: M.scores(g["gold"].tolist(), g["predicted"].tolist(), STANCE_LABELS)["f_avg"]
                  for t, g in frame.groupby("target")}
    assert round(100 * per_target["climate"], 2) == 44.62
    assert round(100 * sum(per_target.values()) / 5, 2) == 62.79
    sentiment = M.scores(ref["sentiment"]["gold"], ref["sentiment"]["predicted"], SENTIMENT_LABELS)
    assert len(ref["sentiment"]["gold"]) == 12284
    assert round(100 * sentiment["macro_recall"], 2) == 72.86


@needs("semeval2016_task6")
def test_semeval_majority_class_row_is_65_22_pooled():
    majority = majority_class_predictions(SemEval2016(EXTERNAL))
    assert {t: p for t, p in zip(majority["target"], majority["predicted"])}["climate"] == "favor"
    scores = M.scores(majority["gold"], majority["predicted"], STANCE_LABELS)
    assert (round(100 * scores["favor_f1"], 2), round(100 * scores["against_f1"], 2)) == (52.01, 78.44)
    assert round(100 * scores["f_avg"], 2) == 65.22


# --- 1. the real adapters ---------------------------------------------------------------------------

@needs("tweeteval")
def test_tweeteval_stance_maps_onto_the_leader_columns_and_splits():
    source = TweetEvalStance(EXTERNAL)
    data = source.load()
    assert {s: data[s].num_rows for s in data} == {"train": 2620, "dev": 294, "test": 1249}
    assert data["test"].features["stance_abortion"].names == list(STANCE_LABELS)
    task = get_task("stance")
    test = task.frame(data["test"], "test", source.targets)
    assert len(test) == 1249  # one row per tweet: the other targets' -1 labels are skipped
    counts = test[test["target"] == "climate"]["label"].value_counts().to_dict()
    assert counts == {"favor": 123, "none": 35, "against": 11}  # tweeteval/README.md, 0=none 1=against 2=favor
    single = get_task("stance", target="hillary").frame(data["dev"], "dev", source.targets)
    assert len(single) == 69 and set(single.columns) == {"id", "target", "text", "label"}
    assert len(source.content_hash) == 64


@needs("semeval2016_task6")
@needs("tweeteval")
def test_semeval2016_reads_crlf_cp1252_files_and_matches_tweeteval_test_order():
    source = SemEval2016(EXTERNAL)
    data = source.load()
    assert data["train"].num_rows + data["dev"].num_rows == 2914 and data["test"].num_rows == 1249
    assert not any("\r" in t for t in data["train"]["text"])
    sentiment = pd.Series(data["test"]["sentiment"]).map(dict(enumerate(SENTIMENT_LABELS))).value_counts().to_dict()
    assert sentiment == {"negative": 791, "positive": 368, "neutral": 90}  # NEITHER -> neutral
    semeval = get_task("stance").frame(data["test"], "test", source.targets)
    tweeteval = get_task("stance").frame(TweetEvalStance(EXTERNAL).load()["test"], "test", TWEETEVAL_TARGETS)
    for target in TWEETEVAL_TARGETS:  # same tweets per target in the same order (sentiment joins by position)
        assert (semeval[semeval["target"] == target]["label"].tolist()
                == tweeteval[tweeteval["target"] == target]["label"].tolist())


@needs("semeval2017_task4a")
@needs("tweeteval")
def test_tweeteval_sentiment_trains_on_the_pool_minus_val_and_test():
    source = TweetEvalSentiment(EXTERNAL)
    data = source.load()
    assert (data["dev"].num_rows, data["test"].num_rows) == (2000, 12284)
    held_out = {match_key(t) for split in ("dev", "test") for t in data[split]["text"]}
    assert not held_out & {match_key(t) for t in data["train"]["text"]}
    assert source.stats["pool_ids"] == 49570 and source.stats["in_tweeteval_val"] > 1700
    assert 45000 < data["train"].num_rows < 49570
    assert not any("\\u2019" in t for t in data["train"]["text"][:5000])


# --- the adapters on small files in the real formats ---------------------------------------------

def write_fake_external(root: Path) -> Path:
    """A tiny external folder with the real layouts and quirks."""
    texts = {"favor": "we support {t} and love it", "against": "we oppose {t}, hate it", "none": "lunch today {i}"}
    ids = {"none": 0, "against": 1, "favor": 2}
    stance = root / "tweeteval" / "stance"
    for target in TWEETEVAL_TARGETS:
        (stance / target).mkdir(parents=True)
        for split, n in (("train", 12), ("val", 3), ("test", 6)):
            labels = [("favor", "against", "none")[i % 3] for i in range(n)]
            (stance / target / f"{split}_text.txt").write_text(
                "".join(texts[l].format(t=target, i=i) + " #SemST \n" for i, l in enumerate(labels)))
            (stance / target / f"{split}_labels.txt").write_text("".join(f"{ids[l]}\n" for l in labels))
    (stance / "mapping.txt").write_text("0\tnone\n1\tagainst\n2\tfavor")
    sentiment = root / "tweeteval" / "sentiment"
    sentiment.mkdir(parents=True)
    (sentiment / "mapping.txt").write_text("0\tnegative\n1\tneutral\n2\tpositive")
    for split, rows in {"val": [("@user so happy today", 2), ("meh, it is Monday", 1)],
                        "test": [("awful service", 0), ("great game", 2), ("the bus is at 5", 1)]}.items():
        (sentiment / f"{split}_text.txt").write_text("".join(f"{t}\n" for t, _ in rows))
        (sentiment / f"{split}_labels.txt").write_text("".join(f"{l}\n" for _, l in rows))
    pool = root / "semeval2017_task4a"
    pool.mkdir()
    (pool / "twitter-2013train-A.tsv").write_text(
        "1\tpositive\tI\\u2019m so happy @bob\n2\tnegative\tterrible day\n3\tneutral\tmeh\\u002c it is Monday\n"
        "4\tpositive\tlove it http://t.co/x\n5\tneutral\tnews at six\n")
    (pool / "twitter-2016test-A.tsv").write_text(
        "6\tnegative\tworst match ever\t\n2\tpositive\tterrible day\t\n7\tneutral\tbus times\tWed Jul 29 12:01:22 +0000 2015\n")
    semeval = root / "semeval2016_task6"
    semeval.mkdir()
    header = b"ID\tTarget\tTweet\tStance\tOpinion towards\tSentiment\r\n"
    names = {"abortion": "Legalization of Abortion", "atheism": "Atheism", "climate": "Climate Change is a Real Concern",
             "feminist": "Feminist Movement", "hillary": "Hillary Clinton"}
    def rows(start: int, n: int) -> bytes:
        out = []
        for target, name in names.items():
            for i in range(n):
                label = ("FAVOR", "AGAINST", "NONE")[i % 3]
                sent = ("POSITIVE", "NEGATIVE", "NEITHER")[i % 3]
                text = f"tweet {i} about {target} \xcd\xa2\x91\x84\x91\xee #SemST".encode("latin-1")
                out.append(f"{start}\t{name}\t".encode() + text + f"\t{label}\tTARGET\t{sent}\r\n".encode())
                start += 1
        return b"".join(out)
    (semeval / "trialdata-all-annotations.txt").write_bytes(header + rows(1, 3))
    (semeval / "trainingdata-all-annotations.txt").write_bytes(header + rows(100, 9))
    (semeval / "testdata-taskA-all-annotations.txt").write_bytes(header + rows(10000, 3))
    return root


@pytest.fixture
def fake_external(tmp_path: Path) -> Path:
    return write_fake_external(tmp_path / "external")


def test_tweeteval_adapter_maps_label_ids_and_val_to_dev(fake_external):
    data = TweetEvalStance(fake_external).load()
    assert {s: data[s].num_rows for s in data} == {"train": 60, "dev": 15, "test": 30}
    frame = get_task("stance").frame(data["train"], "train", TWEETEVAL_TARGETS)
    first = frame[frame["target"] == "atheism"].iloc[:3]
    assert first["label"].tolist() == ["favor", "against", "none"]  # 2, 1, 0 in the labels file
    assert first["text"].iloc[0] == "we support atheism and love it #SemST"
    assert TweetEvalStance(fake_external, dev_in_train=True).load()["train"].num_rows == 75


def test_tweeteval_adapter_reports_length_mismatch_and_bad_label_ids(fake_external):
    labels = fake_external / "tweeteval" / "stance" / "climate" / "val_labels.txt"
    labels.write_text("2\n7\n")
    with pytest.raises(DataError) as err:
        TweetEvalStance(fake_external).load()
    message = str(err.value)
    assert "val_labels.txt:2: field 'label'" in message and "(got '7')" in message
    assert "2 labels for 3 texts in val_text.txt" in message


def test_sentiment_pool_dedupes_conflicts_removes_val_and_rewrites_mentions(fake_external):
    source = TweetEvalSentiment(fake_external)
    data = source.load()
    train = dict(zip(data["train"]["id"], data["train"]["text"]))
    assert "semeval2017-3" not in train  # "meh\u002c it is Monday" is TweetEval val's "meh, it is Monday"
    assert "semeval2017-2" not in train  # labelled negative in one file, positive in another
    assert train["semeval2017-1"] == "I’m so happy @user"
    assert "semeval2017-7" in train  # the 4th (timestamp) field of twitter-2016test-A.tsv is ignored
    assert source.stats == {"pool_rows": 8, "pool_ids": 7, "conflicting_labels": 1, "in_tweeteval_val": 1,
                            "in_tweeteval_test": 0, "train": 5}


def test_semeval2016_adapter_decodes_cp1252_crlf_and_maps_labels(fake_external):
    source = SemEval2016(fake_external, strip_semst=True)
    data = source.load()
    assert data["train"].num_rows + data["dev"].num_rows == 60 and data["test"].num_rows == 15
    row = data["test"][0]
    assert row["target"] == "abortion" and row["text"] == "tweet 0 about abortion Í¢‘„‘î"
    assert data["test"].features["stance_abortion"].int2str(row["stance_abortion"]) == "favor"
    assert row["stance_hillary"] == -1 and SENTIMENT_LABELS[row["sentiment"]] == "positive"
    frame = get_task("sentiment").frame(data["test"], "test", ())
    assert set(frame["label"]) == {"positive", "negative", "neutral"}  # NEITHER -> neutral


def test_missing_external_data_says_what_and_how(tmp_path):
    for source in (TweetEvalStance(tmp_path), SemEval2016(tmp_path), TweetEvalSentiment(tmp_path)):
        with pytest.raises(ExternalDataMissing) as err:
            source.load()
        assert f"data.root={tmp_path}" in str(err.value) and "STANCEBENCH_EXTERNAL" in str(err.value)
        assert "does not exist" in str(err.value)


def test_training_command_without_the_data_fails_with_that_message(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/m.db"}
    result = subprocess.run(
        [sys.executable, "-m", "stancebench.train", "data=tweeteval_stance", f"data.root={tmp_path}/nowhere",
         f"hydra.run.dir={tmp_path}/run"], capture_output=True, text=True, env=env, timeout=120)
    output = result.stdout + result.stderr  # Hydra's console log handler writes to stdout
    assert result.returncode == 1
    assert "public data set 'tweeteval_stance'" in output and "point data.root=" in output
    assert "Traceback" not in output


# --- 2. data=table ------------------------------------------------------------------------------------

def test_table_maps_columns_labels_targets_and_splits(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text('tweet,topic,label,part\n"yes, do it",Ceasefire,FAVOUR,train\nnever,Ceasefire,AGAINST,training\n'
                    'lunch,Ceasefire,NONE,val\n"we support aid",Aid,FAVOUR,test\n')
    source = TableSource(path, columns={"text": "tweet", "target": "topic", "stance": "label", "split": "part"},
                         stance_labels={"FAVOUR": "favor"}, target_names={"Ceasefire": "ceasefire"})
    data = source.load()
    assert source.targets == ("ceasefire", "Aid")
    assert {s: data[s].num_rows for s in data} == {"train": 2, "dev": 1, "test": 1}
    frame = get_task("stance").frame(data["train"], "train", source.targets)
    assert frame[["target", "text", "label"]].values.tolist() == [
        ["ceasefire", "yes, do it", "favor"], ["ceasefire", "never", "against"]]  # AGAINST: case-insensitive


def test_table_per_split_jsonl_with_integer_sentiment_labels_and_wide_stance(tmp_path):
    for split, rows in {"train": [(0, 2, "favor"), (1, 0, "against")], "dev": [(2, 1, "none")], "test": [(3, 2, "")]}.items():
        (tmp_path / f"{split}.jsonl").write_text("".join(
            json.dumps({"uid": f"{split}{i}", "body": f"text {i}", "sent": s, "st_us": st}) + "\n" for i, s, st in rows))
    source = TableSource({s: str(tmp_path / f"{s}.jsonl") for s in ("train", "dev", "test")},
                         columns={"text": "body", "id": "uid", "sentiment": "sent", "stance": {"us": "st_us"}},
                         sentiment_labels={0: "negative", 1: "neutral", 2: "positive"})
    data = source.load()
    assert source.targets == ("us",)
    assert data["train"]["id"] == ["train0", "train1"]
    assert [SENTIMENT_LABELS[v] for v in data["train"]["sentiment"]] == ["positive", "negative"]
    assert data["test"]["stance_us"] == [-1]  # an empty label is "not annotated", not an error


def test_table_reports_every_problem_with_file_line_field_value_and_what_the_file_has(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_bytes("text\tlabel\tsplit\n"
                     "fine\tfavor\ttrain\n"
                     "caf\xe9 cr\xe8me\tfavor\ttrain\n".encode("latin-1") +
                     b"so so\tFAVOUR\ttest\n"
                     b"again\tFAVOUR\tdev\n"
                     b"\tagainst\tdev\n"
                     b"x\tnone\tholdout\n")
    with pytest.raises(DataError) as err:
        TableSource(path, columns={"text": "text", "stance": "label", "split": "split"}, target="us").load()
    problems = {(p.line, p.field): p for p in err.value.problems}
    assert str(path) in str(err.value)
    bad_bytes = problems[(3, None)]
    assert "not valid utf-8" in bad_bytes.message and "data.encoding=" in bad_bytes.message
    assert b"\xe9" in bad_bytes.value
    unknown = problems[(4, "columns.stance=label")]
    assert unknown.value == "FAVOUR" and "line(s) 4, 5" in unknown.message
    assert "allowed: favor, against, neutral, none" in unknown.message and "data.stance_labels" in unknown.message
    assert "this column holds: FAVOUR, against, favor, none" in unknown.message
    assert problems[(6, "columns.text=text")].message == "must be a non-empty string"
    assert problems[(7, "columns.split=split")].value == "holdout"
    assert len(err.value.problems) == 4  # FAVOUR on lines 4 and 5 is one problem naming both


def test_table_mismapped_column_lists_the_columns_the_file_has(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("ID,Tweet,Stance\n1,hi,FAVOR\n")
    with pytest.raises(DataError) as err:
        TableSource(path, columns={"text": "tweet", "stance": "Stance", "split": "split"}, target="x").load()
    assert [(p.line, p.field, p.value) for p in err.value.problems] == [
        (1, "columns.text", "tweet"), (1, "columns.split", "split")]
    assert "no such column; the file has: ID, Tweet, Stance" in str(err.value)


def test_table_config_errors_are_raised_before_reading(tmp_path):
    with pytest.raises(ValueError, match="needs its target"):
        TableSource(tmp_path / "x.csv", columns={"text": "t", "stance": "s", "split": "sp"})
    with pytest.raises(ValueError, match="data.columns.split"):
        TableSource(tmp_path / "x.csv", columns={"text": "t", "sentiment": "s"})
    with pytest.raises(ValueError, match="must map onto"):
        TableSource(tmp_path / "x.csv", columns={"text": "t", "sentiment": "s", "split": "sp"},
                    sentiment_labels={"NEITHER": "neither"})


def test_table_split_fractions_are_seeded(tmp_path):
    path = tmp_path / "all.csv"
    path.write_text("text,sentiment\n" + "".join(f"t{i},{('positive', 'negative')[i % 2]}\n" for i in range(20)))
    make = lambda: TableSource(path, columns={"text": "text", "sentiment": "sentiment"},  # noqa: E731
                               split_fractions={"dev": 0.2, "test": 0.3}, seed=3).load()
    data = make()
    assert {s: data[s].num_rows for s in data} == {"train": 10, "dev": 4, "test": 6}
    assert make()["test"]["id"] == data["test"]["id"]


# --- the app end to end: configs, per-target model, tracking, reload ------------------------------

@pytest.fixture
def app(cfg_factory):
    """overrides -> `train` on the real config, outputs and MLflow store under tmp_path."""
    from stancebench.train import train

    def run(*overrides: str):
        result, objects = train(cfg_factory("bootstrap.n_resamples=50", *overrides))
        return result.metrics(), objects

    return run


def test_per_target_word_char_svm_runs_through_the_app_and_reloads(app, fake_external):
    import mlflow

    import stancebench

    metrics, objects = app("experiment=tweeteval_stance_paper", f"data.root={fake_external}")
    assert objects["model"].name == "per_target_word_char_svm"
    # TweetEval stance has no `neutral`: not a class of the model, its output or its macro scores
    assert objects["model"].labels == ["favor", "against", "none"] and "test_neutral_f1" not in metrics
    assert "proba_neutral" not in objects["predictions"]
    assert sorted(objects["model"].models) == sorted(TWEETEVAL_TARGETS)
    for target in TWEETEVAL_TARGETS:
        assert 0 <= metrics[f"test_{target}_f_avg"] <= 1
    assert metrics["test_f_avg"] > 0.9  # the fake tweets say their stance in so many words
    assert mlflow.get_run(objects["run_id"]).info.status == "FINISHED"
    reloaded = stancebench.load_model(objects["model_uri"])
    test = objects["predictions"][objects["predictions"]["split"] == "test"]
    assert reloaded.predict(test[["target", "text"]]) == test["predicted"].tolist()
    with pytest.raises(ValueError, match="no model for target"):
        reloaded.predict(["some text"], target="ukraine")


def test_table_source_and_cross_domain_run_through_the_app(app, fake_external, tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("text\tsentiment\n" + "".join(
        f"{w} {i}\t{s}\n" for i in range(10) for w, s in (("awful", "negative"), ("great", "positive"), ("bus", "neutral"))))
    metrics, objects = app("data=table", f"data.files={path}", "data.columns.sentiment=sentiment",
                           "data.split_fractions={dev: 0.2, test: 0.2}", "task=sentiment", "model=tfidf_svm",
                           "save_model=false")
    assert metrics["test_macro_recall"] > 0.6
    metrics, objects = app("data=cross_domain", "data@data.test=tweeteval_sentiment", f"data.test.root={fake_external}",
                           "task=sentiment", "model=tfidf_logreg", "save_model=false")
    assert objects["predictions"].query("split == 'test'")["id"].str.startswith("tweeteval-test").all()
    assert "test_macro_recall" in metrics


def test_every_public_data_config_composes_and_instantiates(fake_external):
    for name, cls in {"tweeteval_stance": TweetEvalStance, "tweeteval_sentiment": TweetEvalSentiment,
                      "semeval2016": SemEval2016}.items():
        cfg = compose_config([f"data={name}", "debug=smoke"])
        assert cfg.data.root == os.environ.get("STANCEBENCH_EXTERNAL", f"{REPO}/../shared/external")
        cfg.data.root = str(fake_external)
        source = instantiate(cfg.data)
        assert isinstance(source, cls) and source.limit == 40
        assert source.load()["train"].num_rows > 0
    cfg = compose_config(["data=cross_domain", "data@data.train=semeval2016", "data@data.test=leaders"])
    source = instantiate(cfg.data)
    assert isinstance(source, CrossDomain) and isinstance(source.test, LeadersCorpus)
    assert source.name == "semeval2016_to_leaders"
    for experiment in ("tweeteval_stance_paper", "tweeteval_sentiment_paper"):
        cfg = compose_config([f"experiment={experiment}"], return_hydra_config=True)
        assert cfg.published.scores and cfg.hydra.callbacks.published._target_.endswith("PublishedComparison")


def test_published_comparison_puts_ours_in_rank_order():
    from stancebench.published import comparison_rows

    from stancebench.evaluation import RunResult, SplitScores

    ours = RunResult(task="stance", data="tweeteval_stance", model="per_target_word_char_svm", main_score="f_avg",
                     labels=("favor", "against", "none"), corpus_sha256="x", version="0", commit="c",
                     splits={"test": SplitScores({"f_avg": 0.678}, {"f_avg": (0.65, 0.706)})})
    rows = comparison_rows([ours], {"metric": "f_avg", "scores": [{"system": "SVM", "test": 67.3},
                                                                   {"system": "RoBERTa", "test": 68.0}]})
    assert [r["system"].split(":")[0] for r in rows] == ["RoBERTa", "ours", "SVM"]
    assert rows[1]["ci"] == "[65.0, 70.6]"
