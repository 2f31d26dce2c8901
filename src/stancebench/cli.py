"""`stancebench`: utility commands (data checks, leaderboard, predictions).

    stancebench data validate [PATH]
    stancebench data stats [PATH]
    stancebench data leakage [PATH] [--threshold 0.6]
    stancebench data agreement A.jsonl B.jsonl
    stancebench data splits [PATH] [--out DIR]          (each split as its own file, for datasets.load_dataset)
    stancebench ungd select --out candidates.jsonl      (rerun the UN General Debate selection rule)
    stancebench ungd build                               (units.jsonl from passes A, B and the adjudication)
    stancebench ungd check [--units UNITS]               (every unit's text found and matching its hash)
    stancebench ungd stats                               (label counts per target and split, years, posts)
    stancebench ungd show UKR_77_2022#12                 (a unit's text, read from the corpus)
    stancebench report [--experiment leaders/stance_us] [--no-group] [--format markdown|csv|json|html] [--html F]
    stancebench report --compare RUN_A RUN_B                 (paired bootstrap: difference, 95% CI, p)
    stancebench runs cleanup [--older-than 1h] [--dry-run]     (end runs a killed process left RUNNING)
    stancebench predict runs:/<run_id>/model "We are ready for talks." --target negotiations
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from stancebench._paths import data_dir

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_CORPUS = data_dir() / "leaders" / "statements.jsonl"


def _validate(args: argparse.Namespace) -> int:
    from stancebench.data.schema import validate_statements

    records, problems = validate_statements(args.path)
    if problems:
        print(f"{args.path}: {len(problems)} problem(s) in {len(records)} parsed statement(s)", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{args.path}: {len(records)} statements, all valid")
    return 0


def split_files(records: list[dict]) -> dict[str, str]:
    """`{split}.jsonl` contents: the records of each split, one JSON object per line."""
    import json

    from stancebench.data.schema import SPLITS

    return {f"{split}.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records if r["split"] == split)
            for split in SPLITS}


def _splits(args: argparse.Namespace) -> int:
    """Write a statements file's splits as files of their own: what the data card's `configs` give
    `datasets.load_dataset("data/leaders")` (a data card cannot split one file by a column)."""
    from stancebench.data.schema import DataError, load_statements

    try:
        records = load_statements(args.path)
    except DataError as err:
        print(err, file=sys.stderr)
        return 1
    out = args.out or args.path.parent / "splits"
    out.mkdir(parents=True, exist_ok=True)
    for name, text in split_files(records).items():
        (out / name).write_text(text, encoding="utf-8")
    print(f"{len(records)} statements written to {out}/{{train,dev,test}}.jsonl")
    return 0


def _stats(args: argparse.Namespace) -> int:
    import pandas as pd

    from stancebench.data.schema import DataError, TARGETS, load_statements, stance_column

    try:
        frame = pd.DataFrame(load_statements(args.path))
    except DataError as err:
        print(err, file=sys.stderr)
        return 1
    from stancebench.data.quality import hard_case_shares

    columns = [*(stance_column(t) for t in TARGETS), "sentiment"]
    print(f"# {args.path}: {len(frame)} statements, {frame['speaker'].nunique()} speakers, "
          f"{frame['lang'].nunique()} languages, {frame['date'].min()} to {frame['date'].max()}\n")
    print(_label_tables(frame))
    if args.full:
        shares = pd.Series(hard_case_shares(frame.to_dict("records")), name="share")
        print(f"## hard cases\n\n{shares.to_markdown(floatfmt='.1%')}\n")
        print(f"## origin\n\n{frame['origin'].value_counts().to_markdown()}\n")
        print(f"## languages\n\n{frame['lang'].value_counts().to_markdown()}\n")
        year = frame["date"].str[:4].rename("year")
        print(f"## years\n\n{year.value_counts().sort_index().to_markdown()}\n")
        speakers = frame.groupby(["speaker", "country"]).size().sort_values(ascending=False).rename("statements")
        print(f"## speakers\n\n{speakers.reset_index().to_markdown(index=False)}\n")
    if args.plot:
        from stancebench.report import label_distribution_figure

        label_distribution_figure(frame, columns).savefig(args.plot, dpi=110)
        print(f"label distribution plot written to {args.plot}")
    return 0


def _label_tables(frame, small: int | None = None) -> str:
    """Markdown: each label column's counts per split; with `small`, a note on test cells below it."""
    import pandas as pd

    from stancebench.data.quality import LABEL_COLUMNS
    from stancebench.data.schema import SPLITS

    parts = []
    for column, labels in LABEL_COLUMNS.items():
        table = pd.crosstab(frame[column], frame["split"], margins=True, margins_name="total")
        table = table.reindex(index=[*labels, "total"], columns=[*(s for s in SPLITS if s in table.columns), "total"],
                              fill_value=0)
        parts.append(f"## {column}\n\n{table.to_markdown()}\n")
        if small is not None and "test" in table.columns:
            few = [f"{label} ({n})" for label, n in table["test"].drop("total").items() if n < small]
            if few:
                parts.append(f"Test cells under {small} units: {', '.join(few)}.\n")
    return "\n".join(parts)


def _leakage(args: argparse.Namespace) -> int:
    from stancebench.data.quality import find_leakage
    from stancebench.data.schema import DataError, load_statements

    try:
        records = load_statements(args.path)
    except DataError as err:
        print(err, file=sys.stderr)
        return 1
    pairs = find_leakage(records, threshold=args.threshold)
    if not pairs:
        print(f"{args.path}: no exact or near duplicates across splits (TF-IDF cosine < {args.threshold}), "
              "no family straddles splits")
        return 0
    print(f"{args.path}: {len(pairs)} leaking pair(s) across splits", file=sys.stderr)
    for p in pairs:
        print(f"  {p.similarity:.3f}  {p.id_a} ({p.split_a}) ~ {p.id_b} ({p.split_b})\n"
              f"         {p.text_a[:90]!r}\n         {p.text_b[:90]!r}", file=sys.stderr)
    return 1


def _agreement(args: argparse.Namespace) -> int:
    from stancebench.data.quality import agreement, load_annotations
    from stancebench.data.schema import DataError

    try:
        first = load_annotations(args.a)
        second = load_annotations(args.b, ids=set(first.index))
    except DataError as err:
        print(err, file=sys.stderr)
        return 1
    table, confusions = agreement(first, second)
    print(f"# Agreement: A = {args.a}, B = {args.b} ({table['n'].iloc[0]} statements in both)\n")
    print(table.to_markdown(floatfmt=".3f"))
    for column, matrix in confusions.items():
        print(f"\n## {column}: rows A, columns B\n\n{matrix.to_markdown()}")
    return 0


def _ungd_select(args: argparse.Namespace) -> int:
    import json
    from collections import Counter

    from stancebench.data.ungd_units import select_units

    corpus_dir = args.root / "ungdc"
    if not corpus_dir.is_dir():
        from stancebench.data.ungd import SOURCE_HINT

        print(f"no UN General Debate Corpus at {corpus_dir}. {SOURCE_HINT}", file=sys.stderr)
        return 1
    rows = select_units(corpus_dir, seed=args.seed)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.out:
        args.out.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    years = Counter(row["year"] for row in rows)
    groups = Counter(group for row in rows for group in row["selected_by"])
    print(f"{len(rows)} units from {len({r['country'] for r in rows})} countries; per year "
          f"{dict(sorted(years.items()))}; per pattern group {dict(groups)}"
          + (f"; written to {args.out}" if args.out else ""), file=sys.stderr)
    return 0


def _ungd_build(args: argparse.Namespace) -> int:
    import json

    from stancebench.data import DataError
    from stancebench.data.quality import load_annotations
    from stancebench.data.schema import read_jsonl
    from stancebench.data.ungd_units import build_units, gold_labels, select_units

    folder = args.annotation
    try:
        a = load_annotations(folder / "annotator_a.jsonl").to_dict("index")
        b = load_annotations(folder / "annotator_b.jsonl").to_dict("index")
        adjudication, problems = read_jsonl(folder / "adjudication.jsonl")
        if problems:
            raise DataError(problems, what="adjudication file")
        candidates = select_units(args.root / "ungdc")
        gold, problems = gold_labels([r["id"] for r in candidates], a, b, adjudication,
                                     str(folder / "adjudication.jsonl"))
        if problems:
            raise DataError(problems, what="annotation files")
    except DataError as err:
        print(err, file=sys.stderr)
        return 1
    rows = build_units(candidates, gold, seed=args.seed)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} units written to {args.out}")
    return 0


def _ungd_stats(args: argparse.Namespace) -> int:
    import pandas as pd

    from stancebench.data import DataError
    from stancebench.data.ungd import validate_units

    records, problems = validate_units(args.units)
    if problems:
        print(DataError(problems, what="units file"), file=sys.stderr)
        return 1
    frame = pd.DataFrame(records)
    print(f"# {args.units}: {len(frame)} units, {frame['country'].nunique()} countries, "
          f"{frame['path'].nunique()} speeches\n")
    print(_label_tables(frame, small=30))
    for column, title in (("year", "years"), ("speaker_post", "speaker posts")):
        table = pd.crosstab(frame[column], frame["split"], margins=True, margins_name="total")
        print(f"## {title}\n\n{table.to_markdown()}\n")
    countries = frame.groupby("split")["country"].nunique().rename("countries")
    print(f"## countries per split\n\n{countries.to_frame().to_markdown()}\n")
    selected = frame.explode("selected_by")["selected_by"].value_counts().rename("units")
    print(f"## selected by (a unit can match several patterns)\n\n{selected.to_frame().to_markdown()}\n")
    return 0


def _ungd_records(args: argparse.Namespace) -> tuple[list[dict], dict[str, str]] | None:
    """The units and their texts, or None after printing the report of what is wrong."""
    from stancebench.data import DataError, ExternalDataMissing, UNGDSource

    try:
        return UNGDSource(args.root, args.units).records()
    except (DataError, ExternalDataMissing) as err:
        print(err, file=sys.stderr)
        return None


def _ungd_check(args: argparse.Namespace) -> int:
    if (loaded := _ungd_records(args)) is None:
        return 1
    records, _ = loaded
    print(f"{args.units}: {len(records)} units from {len({r['country'] for r in records})} countries, "
          f"every text found under {args.root} and matching its sha256")
    return 0


def _ungd_show(args: argparse.Namespace) -> int:
    if (loaded := _ungd_records(args)) is None:
        return 1
    records, texts = loaded
    by_id = {r["id"]: r for r in records}
    for uid in args.ids:
        if uid not in by_id:
            print(f"no unit {uid!r} in {args.units}", file=sys.stderr)
            return 1
        r = by_id[uid]
        labels = " ".join(f"{k}={r[k]}" for k in ("stance_us", "stance_ukraine", "stance_negotiations", "sentiment"))
        print(f"{uid} ({r['speaker']}, {r['speaker_post']}, {r['country']} {r['year']}; {r['split']}) {labels}\n"
              f"{texts[uid]}\n")
    return 0


def _report(args: argparse.Namespace) -> int:
    """The leaderboard (markdown, csv, json or a self-contained HTML page), or with --compare the
    paired bootstrap test of two runs."""
    from stancebench.report import ComparisonError, compare_runs, finished_runs, format_table, leaderboard
    from stancebench.tracking import TrackingUnavailable, default_tracking_uri, unfinished_runs

    uri = args.tracking_uri or default_tracking_uri()
    fmt = "html" if args.html else args.format
    output = args.html or args.output

    def _write(text: str, output: Path | None) -> int:
        if output is None:
            sys.stdout.write(text)
        else:
            output.write_text(text, encoding="utf-8")
            print(f"written to {output}", file=sys.stderr)
        return 0

    if args.compare:
        try:
            comparison = compare_runs(*args.compare, uri, n_resamples=args.n_resamples)
        except (ComparisonError, TrackingUnavailable) as err:
            print(f"stancebench report --compare: {err}", file=sys.stderr)
            return 1
        import dataclasses

        if fmt == "json":
            import json

            text = json.dumps(dataclasses.asdict(comparison), indent=2) + "\n"
        elif fmt == "csv":
            import pandas as pd

            text = pd.DataFrame([dataclasses.asdict(comparison)]).to_csv(index=False)
        elif fmt == "markdown":
            text = comparison.to_markdown()
        else:
            print("stancebench report --compare writes markdown, csv or json, not html", file=sys.stderr)
            return 2
        return _write(text, output)
    try:
        runs = finished_runs(args.experiment, uri, tag=args.tag)
        table = leaderboard(args.experiment, uri, tag=args.tag, group=not args.no_group, runs=runs,
                            significance=not args.no_significance, n_resamples=args.n_resamples)
        unfinished = unfinished_runs(uri, older_than_s=None)
    except TrackingUnavailable as err:
        print(err, file=sys.stderr)
        return 1
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return 1
    if args.experiment is not None:
        unfinished = unfinished[unfinished["experiment"] == args.experiment]
    if not unfinished.empty:  # never hidden: a killed run is not a finished one
        print(f"{len(unfinished)} unfinished run(s) (RUNNING in the store; `process` tells whether the process that "
              f"started it still runs here; `stancebench runs cleanup` ends the dead ones):\n", file=sys.stderr)
        print(unfinished.drop(columns=["stale", "sweep"]).to_markdown(index=False) + "\n", file=sys.stderr)
    if table.empty:
        print("no finished runs in the tracking store", file=sys.stderr)
        return 1
    if fmt == "html":
        from stancebench.html_report import html_report

        text = html_report(table, runs, uri, title=f"stancebench report: {args.experiment or args.tag or 'all runs'}")
    else:
        text = format_table(table, fmt)
    return _write(text, output)


def _runs_cleanup(args: argparse.Namespace) -> int:
    import pandas as pd

    from stancebench.tracking import TrackingUnavailable, connect, default_tracking_uri, mark_ended, unfinished_runs

    uri = args.tracking_uri or default_tracking_uri()
    try:
        older_than = pd.Timedelta(args.older_than).total_seconds()
    except ValueError:
        print(f"--older-than {args.older_than!r} is not a duration (e.g. 30min, 1h, 2d)", file=sys.stderr)
        return 2
    try:
        connect(uri, create=False)
        runs = unfinished_runs(uri, older_than_s=older_than)
    except TrackingUnavailable as err:
        print(err, file=sys.stderr)
        return 1
    stale = runs[runs["stale"]]
    if runs.empty:
        print(f"no RUNNING runs in {uri}")
        return 0
    print(runs.drop(columns=["stale", "sweep"]).to_markdown(index=False))
    if stale.empty:
        print(f"\nnone to end: each one's process still runs, or is elsewhere and started under {args.older_than} ago")
        return 0
    if args.dry_run:
        print(f"\n{len(stale)} run(s) would be marked {args.status} (--dry-run: nothing changed)")
        return 0
    reason = (f"left RUNNING by a process that was killed or lost; ended by `stancebench runs cleanup "
              f"--older-than {args.older_than}` at {pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M:%S} UTC")
    mark_ended(uri, stale["run_id"].tolist(), reason, status=args.status)
    print(f"\n{len(stale)} run(s) marked {args.status}: {', '.join(stale['run_id'])}")
    return 0


class _IntermixedParser(argparse.ArgumentParser):
    """`predict`'s parser: texts may come before, between or after options (`predict MODEL
    --target us "text"`); a plain parser stops taking them at the first option, as texts may be none."""

    _parsing = False

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        if self._parsing:  # parse_known_intermixed_args calls back here
            return super().parse_known_args(args, namespace)
        self._parsing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._parsing = False


class InputFileError(ValueError):
    """A `predict --input` file that cannot be read: the message names the file and line."""


_JSONL_SUFFIXES, _CSV_SUFFIXES = (".jsonl", ".ndjson"), (".csv",)


def _read_predict_input(path: Path) -> "pd.DataFrame":
    """The rows of a JSONL or CSV file (by extension) with a `text` column (and `target`, and any
    others, kept in the output); the first problem raises `InputFileError` naming file and line."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix not in (*_JSONL_SUFFIXES, *_CSV_SUFFIXES):
        raise InputFileError(f"{path}: unknown input format {suffix or '(no extension)'!r}; use .jsonl or .csv")
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    if suffix in _JSONL_SUFFIXES:
        from stancebench.data.readers import read_jsonl

        rows, problems = read_jsonl(path)
        if problems:
            more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
            raise InputFileError(f"{problems[0]}{more}")
        numbered = rows
    else:
        import csv

        try:
            with open(path, encoding="utf-8", newline="") as file:
                reader = csv.DictReader(file)
                numbered = []
                for row in reader:
                    if None in row:  # more cells than the header has
                        raise InputFileError(f"{path}:{reader.line_num}: {len(row) - 1 + len(row[None])} cells, but the "
                                             f"header has {len(reader.fieldnames or [])}")
                    numbered.append((reader.line_num, row))
                columns = list(reader.fieldnames or [])
        except UnicodeDecodeError as err:
            line = path.read_bytes()[:err.start].count(b"\n") + 1
            raise InputFileError(f"{path}:{line}: not valid UTF-8 (byte {err.start} of the file)") from err
        except csv.Error as err:
            raise InputFileError(f"{path}: not a readable CSV file ({err})") from err
        if "text" not in columns:
            raise InputFileError(f"{path}:1: the header has no 'text' column (columns: {', '.join(columns) or 'none'})")
    for number, row in numbered:
        for field in ("text", "target"):
            value = row.get(field)
            if field == "text" and field not in row:
                raise InputFileError(f"{path}:{number}: no 'text' field (fields: {', '.join(row) or 'none'})")
            if field in row and not isinstance(value, str):
                raise InputFileError(f"{path}:{number}: field '{field}' is {type(value).__name__} ({value!r:.60}), "
                                     "not a string")
            if field == "target" and field in row and not value.strip():
                raise InputFileError(f"{path}:{number}: field 'target' is empty")
    return pd.DataFrame([row for _, row in numbered], columns=None if numbered else ["text"])


def _write_predictions(frame: "pd.DataFrame", output: Path | None) -> None:
    """JSONL or CSV by `output`'s extension; None = JSONL on stdout."""
    if output is None:
        sys.stdout.write(frame.to_json(orient="records", lines=True, force_ascii=False) if len(frame) else "")
        return
    suffix = output.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        frame.to_csv(output, index=False)
    elif suffix in _JSONL_SUFFIXES:
        output.write_text(frame.to_json(orient="records", lines=True, force_ascii=False) if len(frame) else "",
                          encoding="utf-8")
    else:
        raise InputFileError(f"{output}: unknown output format {suffix or '(no extension)'!r}; use .jsonl or .csv")
    print(f"{len(frame)} prediction(s) written to {output}", file=sys.stderr)


def _predict(args: argparse.Namespace) -> int:
    """Print each text's label and probabilities, or with --input classify a JSONL/CSV file (a
    `text` column, `target` optional) into --output (JSONL or CSV by extension; default JSONL on
    stdout); a bad model, input file, input or target is one line on stderr and exit status 1."""
    import pandas as pd

    from stancebench import load_model
    from stancebench.models import as_frame
    from stancebench.tracking import TrackingUnavailable, predictions_frame

    try:
        if bool(args.texts) == bool(args.input):
            raise ValueError("pass texts to classify, or --input FILE (JSONL or CSV with a 'text' column), not both"
                             if args.texts else "pass texts to classify, or --input FILE (JSONL or CSV with a 'text' column)")
        if args.output is not None and args.output.suffix.lower() not in (*_JSONL_SUFFIXES, *_CSV_SUFFIXES):
            raise InputFileError(f"{args.output}: unknown output format {args.output.suffix or '(no extension)'!r}; "
                                 "use .jsonl or .csv")
        rows = _read_predict_input(args.input) if args.input else None
        model = load_model(args.model, tracking_uri=args.tracking_uri)
        task = getattr(model, "task", None) or "an unrecorded task"
        has_target = args.target is not None or (rows is not None and "target" in rows)
        if rows is not None and args.target is not None and "target" in rows:
            raise ValueError(f"{args.input} has a 'target' column; drop --target")
        if has_target and not model.pairs:
            given = "--target" if args.target is not None else f"the 'target' column of {args.input}"
            raise ValueError(f"this model reads texts only; it was trained for task {task}; drop {given}")
        if not has_target and model.pairs and (rows is None or len(rows)):
            known = getattr(model, "targets", None)
            where = " (or a 'target' column in the input file)" if rows is not None else ""
            raise ValueError(f"this model reads (target, text) pairs (task {task}): pass --target{where}"
                             + (f", one of: {', '.join(known)}" if known else ""))
        inputs = as_frame(rows if rows is not None else args.texts, args.target)
        frame = predictions_frame(model, inputs, allow_new_targets=args.allow_new_targets)
        if rows is not None:
            _write_predictions(pd.concat([inputs.reset_index(drop=True), frame], axis=1), args.output)
            return 0
    except (ValueError, TypeError, OSError, ImportError, TrackingUnavailable) as err:  # FileNotFoundError is an OSError
        message = " ".join(str(err).split()).replace("allow_new_targets=True", "--allow-new-targets")
        print(f"stancebench predict: {message}", file=sys.stderr)
        return 1
    frame.insert(0, "text", args.texts)
    if args.output is not None:
        if args.target is not None:
            frame.insert(1, "target", args.target)
        _write_predictions(frame, args.output)
    else:
        print(frame.to_markdown(index=False, floatfmt=".3f"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stancebench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="check and describe a statements file").add_subparsers(
        dest="data_command", required=True)
    for name, fn, text in [("validate", _validate, "report every problem of a statements file"),
                           ("stats", _stats, "label distributions per split and target"),
                           ("leakage", _leakage, "exact and near duplicates across splits (exit 1 if any)"),
                           ("splits", _splits, "write each split as a file (the data card's configs read them)")]:
        sub = data.add_parser(name, help=text)
        sub.add_argument("path", nargs="?", type=Path, default=DEFAULT_CORPUS)
        sub.set_defaults(fn=fn)
        if name == "stats":
            sub.add_argument("--full", action="store_true", help="also hard cases, languages, years, speakers")
            sub.add_argument("--plot", type=Path, help="save a label-distribution plot (PNG) here")
        if name == "splits":
            sub.add_argument("--out", type=Path, help="folder (default: splits/ beside the file)")
        if name == "leakage":
            sub.add_argument("--threshold", type=float, default=0.6, help="TF-IDF cosine similarity (default 0.6)")
    agree = data.add_parser("agreement", help="Cohen's kappa and Krippendorff's alpha between two annotations")
    agree.add_argument("a", type=Path, help="first annotation (or the corpus): id + label fields per line")
    agree.add_argument("b", type=Path, help="second annotation; its ids must be in A")
    agree.set_defaults(fn=_agreement)

    from stancebench.data.ungd import DEFAULT_UNITS, default_root

    ungd = commands.add_parser("ungd", help="the UN General Debate units (data=ungd)").add_subparsers(
        dest="ungd_command", required=True)
    select = ungd.add_parser("select", help="rerun the selection rule: candidate units, no labels (JSONL)")
    select.add_argument("--out", type=Path, help="write here (default: stdout)")
    select.add_argument("--seed", type=int, default=0, help="seed of the random sample of other units (default 0)")
    select.set_defaults(fn=_ungd_select)
    build = ungd.add_parser("build", help="units.jsonl from the selection, passes A and B and the adjudication")
    build.add_argument("--annotation", type=Path, default=DEFAULT_UNITS.parent / "annotation",
                       help="folder with annotator_a.jsonl, annotator_b.jsonl, adjudication.jsonl")
    build.add_argument("--out", type=Path, default=DEFAULT_UNITS)
    build.add_argument("--seed", type=int, default=0, help="seed of the country-disjoint split (default 0)")
    build.set_defaults(fn=_ungd_build)
    check = ungd.add_parser("check", help="every unit valid, its text found and matching its hash")
    check.set_defaults(fn=_ungd_check)
    stats = ungd.add_parser("stats", help="counts: targets x labels x splits, years, posts, countries (no texts needed)")
    stats.set_defaults(fn=_ungd_stats)
    show = ungd.add_parser("show", help="print units' texts (read from the corpus) with their labels")
    show.add_argument("ids", nargs="+")
    show.set_defaults(fn=_ungd_show)
    for sub in (select, build, check, show):
        sub.add_argument("--root", type=Path, default=default_root(),
                         help="the folder holding ungdc/ (default: $STANCEBENCH_EXTERNAL or ../shared/external)")
    for sub in (check, stats, show):
        sub.add_argument("--units", type=Path, default=DEFAULT_UNITS, help="the units file (default: data/ungd/units.jsonl)")

    rep = commands.add_parser("report", help="leaderboard of the finished runs (seed repeats grouped, significance "
                                             "against the best), or --compare two runs")
    rep.add_argument("--experiment", help="one experiment, e.g. leaders/stance_us (default: all)")
    rep.add_argument("--tag", help="only runs tagged so, e.g. by an experiment config's tags=[...]")
    rep.add_argument("--tracking-uri", help="MLflow store (default: MLFLOW_TRACKING_URI or ./mlflow.db)")
    rep.add_argument("--no-group", action="store_true", help="one row per run (default: runs that differ only by "
                                                             "seed are one row: mean, sd, n)")
    rep.add_argument("--no-significance", action="store_true",
                     help="skip the paired bootstrap test of each system against its experiment's best")
    rep.add_argument("--compare", nargs=2, metavar=("RUN_A", "RUN_B"),
                     help="paired bootstrap test of A - B in the main metric on the runs' saved test predictions")
    rep.add_argument("--n-resamples", type=int, default=1000, help="bootstrap resamples of the tests (default 1000)")
    rep.add_argument("--format", choices=("markdown", "csv", "json", "html"), default="markdown")
    rep.add_argument("--output", type=Path, help="write here (default: stdout)")
    rep.add_argument("--html", type=Path, metavar="PATH",
                     help="a self-contained HTML report here (same as --format html --output PATH)")
    rep.set_defaults(fn=_report)

    runs = commands.add_parser("runs", help="runs in the tracking store").add_subparsers(dest="runs_command", required=True)
    cleanup = runs.add_parser("cleanup", help="end runs left RUNNING by a killed process (SIGKILL, power loss)")
    cleanup.add_argument("--older-than", default="1h",
                         help="a RUNNING run whose process cannot be checked from here (another machine) counts as "
                              "dead after this long (default 1h); a run whose process is gone from this machine is "
                              "always dead")
    cleanup.add_argument("--status", choices=("KILLED", "FAILED"), default="KILLED")
    cleanup.add_argument("--dry-run", action="store_true", help="list what would be ended, change nothing")
    cleanup.add_argument("--tracking-uri", help="MLflow store (default: MLFLOW_TRACKING_URI or ./mlflow.db)")
    cleanup.set_defaults(fn=_runs_cleanup)

    pred = commands.add_parser("predict", help="classify texts, or a JSONL/CSV file, with a trained model")
    pred.__class__ = _IntermixedParser
    pred.add_argument("model", help="runs:/<run_id>/model, models:/<name>/<version> or a folder")
    pred.add_argument("texts", nargs="*", help="texts to classify (or --input)")
    pred.add_argument("--input", type=Path, help="a .jsonl or .csv file with a 'text' column ('target' optional, "
                                                 "other columns are copied to the output)")
    pred.add_argument("--output", type=Path, help="write the predictions here: .jsonl or .csv (default: a table for "
                                                  "texts, JSON lines on stdout for --input)")
    pred.add_argument("--target", help="stance target, for models trained on (target, text) pairs (task=stance)")
    pred.add_argument("--allow-new-targets", action="store_true",
                      help="let a pair model answer a target it was not trained on (the transformer and "
                           "embed_logreg read it as a phrase; TF-IDF models answer target-blind)")
    pred.add_argument("--tracking-uri", help="MLflow store (default: MLFLOW_TRACKING_URI or ./mlflow.db)")
    pred.set_defaults(fn=_predict)
    return parser


def main(argv: list[str] | None = None) -> int:
    import signal

    if hasattr(signal, "SIGPIPE"):  # `stancebench data stats | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
