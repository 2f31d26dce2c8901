"""The README's `stancebench-train ...` lines work as written.

Every line composes with the real config. The lines whose data is bundled (the leader corpus) or can
be faked (the public benchmarks' layouts from `test_public.write_fake_external`, and `data=table`
files written here from the line's own column mapping) are also instantiated and loaded, and their
task's train and test examples are built, so that a copy-pasted example gets past the data.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from pathlib import Path

import pytest
from hydra.utils import instantiate
from omegaconf import DictConfig, ListConfig, OmegaConf

from stancebench.config import compose_config
from test_public import write_fake_external

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
# data sources a test can load without the licensed or external corpora
LOADABLE = {"stancebench.data.LeadersCorpus", "stancebench.data.TweetEvalStance", "stancebench.data.TweetEvalSentiment",
            "stancebench.data.SemEval2016", "stancebench.data.CrossDomain", "stancebench.data.TableSource",
            # the real UN General Debate corpus is read in place (../shared/external, as in CI)
            "stancebench.data.UNGDSource", "stancebench.data.UnionSource", "stancebench.data.ContrastSet"}


def readme_commands() -> list[tuple[str, list[str]]]:
    """(line, overrides) of every `stancebench-train` line in the README's bash blocks."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            line = line.strip()
            if line.startswith("stancebench-train"):
                commands.append((line, shlex.split(line, comments=True)[1:]))
    return commands


def runs_of(overrides: list[str]) -> list[list[str]]:
    """A `-m` line's every combination of comma-separated values; a plain line as it is."""
    if "-m" not in overrides:
        return [overrides]
    choices = []
    for override in overrides:
        if override == "-m":
            continue
        key, _, value = override.partition("=")
        sweep = "," in value and not any(c in value for c in "[]{}()")
        choices.append([f"{key}={v}" for v in value.split(",")] if sweep else [override])
    return [list(run) for run in itertools.product(*choices)]


COMMANDS = readme_commands()


def test_the_readme_has_the_examples_the_tests_rely_on():
    lines = [line for line, _ in COMMANDS]
    assert len(lines) > 20
    assert any("task.target=climate" in line and "tweeteval_stance" in line for line in lines)
    assert any("data.columns.slots=" in line for line in lines)  # the multi-slot form
    assert any(re.search(r"data\.files=\{train: \[", line) for line in lines)  # a list of files per split


COMPOSE = [pytest.param(line, overrides, id=f"line{i}") for i, (line, overrides) in enumerate(COMMANDS)]


@pytest.mark.parametrize("line,overrides", COMPOSE)
def test_every_readme_train_line_composes(line, overrides, tmp_path):
    for run in runs_of(overrides):
        cfg = compose_config(run, output_dir=tmp_path)
        assert cfg.data and cfg.task and cfg.model, line
        target = next((o.split("=", 1)[1] for o in run if o.startswith("task.target=")), None)
        assert cfg.task.target == target, line


def targets_of(data: DictConfig) -> set[str]:
    return {str(node._target_) for node in walk(data) if "_target_" in node}


def walk(node):
    if isinstance(node, DictConfig):
        yield node
        for key in node:
            yield from walk(node._get_node(key)) if isinstance(node._get_node(key), (DictConfig, ListConfig)) else ()
    elif isinstance(node, ListConfig):
        for item in node:
            yield from walk(item)


def point_roots_at(data: DictConfig, root: Path) -> None:
    for node in walk(data):
        if "root" in node and node.get("_target_") != "stancebench.data.UNGDSource":  # its units fit the real corpus only
            node.root = str(root)


def write_table_files(data: DictConfig) -> None:
    """Small files in the shape a README `data=table` line maps: its columns, labels and targets."""
    def plain(node):
        return OmegaConf.to_container(node) if isinstance(node, (DictConfig, ListConfig)) else node

    c = plain(data.columns)
    stance_values = [k for k, v in (plain(data.stance_labels) or {}).items() if v] + ["FAVOR", "AGAINST", "NONE"]
    sentiment_values = list(plain(data.sentiment_labels) or {}) or ["positive", "negative", "neutral"]
    targets = ("climate", "abortion")
    files = plain(data.files)
    paths = [files] if isinstance(files, str) else files if isinstance(files, list) else [
        p for v in files.values() for p in ([v] if isinstance(v, str) else v)]
    for path in map(Path, paths):
        rows = []
        for i in range(40):
            row = {c["text"]: f"text {path.stem} {i} {'pro' if i % 3 == 0 else 'anti'}"}
            if c.get("split"):
                row[c["split"]] = ("train", "train", "train", "dev", "test")[i % 5]
            if c.get("target"):
                row[c["target"]] = targets[i % 2]
            if c.get("stance"):
                row[c["stance"]] = stance_values[i % len(stance_values)]
            if c.get("sentiment"):
                row[c["sentiment"]] = sentiment_values[i % len(sentiment_values)]
            for k, slot in enumerate(c.get("slots") or []):
                row[slot["target"]] = targets[(i + k) % 2] if k == 0 or i % 4 else ""
                row[slot["stance"]] = stance_values[(i + k) % len(stance_values)] if row[slot["target"]] else ""
            rows.append(row)
        if path.suffix == ".jsonl":
            path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        else:
            sep = "\t" if path.suffix == ".tsv" else ","
            path.write_text("\n".join(sep.join(map(str, r.values())) for r in [dict(zip(rows[0], rows[0])), *rows]) + "\n")


# -m lines and transformer lines are covered by composing (their data is the default, loaded below)
LOCAL = [(line, overrides) for line, overrides in COMMANDS
         if "-m" not in overrides and not any(o.startswith(("model=transformer", "model=embed_logreg", "model.pretrained"))
                                              for o in overrides)]


@pytest.mark.parametrize("line,overrides", LOCAL, ids=[f"line{i}" for i in range(len(LOCAL))])
def test_readme_lines_on_bundled_or_fake_data_load_and_build_their_task(line, overrides, tmp_path, monkeypatch):
    cfg = compose_config(overrides, output_dir=tmp_path / "out")
    if not targets_of(cfg.data) <= LOADABLE:
        pytest.skip(f"needs data that cannot be faked here: {sorted(targets_of(cfg.data) - LOADABLE)}")
    monkeypatch.chdir(tmp_path)  # the README's table files (my.csv, ...) are relative paths
    point_roots_at(cfg.data, write_fake_external(tmp_path / "external"))
    if "stancebench.data.TableSource" in targets_of(cfg.data):
        write_table_files(cfg.data)
    source = instantiate(cfg.data)
    dataset = source.load()
    task = instantiate(cfg.task).for_source(source)
    for split in ("train", "test"):
        frame = task.frame(dataset[split], split, source.targets)
        assert len(frame) > 0, (line, split)
        if cfg.task.target:
            assert set(frame["target"]) == {cfg.task.target} and task.name == f"stance_{cfg.task.target}"


def test_task_target_exists_in_every_task_config_and_works_for_every_data_config(tmp_path):
    from stancebench.tasks import get_task

    for task_file in sorted((REPO / "conf" / "task").glob("*.yaml")):
        cfg = compose_config([f"task={task_file.stem}"], output_dir=tmp_path)
        assert "target" in cfg.task and cfg.task.target is None, task_file.name
    for data_file in sorted((REPO / "conf" / "data").glob("*.yaml")):
        cfg = compose_config([f"data={data_file.stem}", "task=stance", "task.target=climate"], output_dir=tmp_path)
        task = instantiate(cfg.task)
        assert task.name == "stance_climate" and task.targets == ("climate",), data_file.name
    assert get_task("stance", target=None).name == "stance"
    with pytest.raises(Exception, match="only for task stance"):
        instantiate(compose_config(["task=sentiment", "task.target=climate"], output_dir=tmp_path).task)
