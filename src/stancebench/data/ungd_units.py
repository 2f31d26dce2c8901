"""UN General Debate speeches -> units, and the rule that selects the units to annotate.

The rule, as implemented here (rerun it with `stancebench ungd select`):

1. **Lines.** A speech file has one paragraph per line, but some files break lines inside a
   paragraph. A line is joined with the next one when it does not end with sentence-final
   punctuation (`. ! ? : ; …`, a closing quote or bracket) and
   (a) the next line starts with a lowercase letter or an opening quote or bracket, or
   (b) it ends with a comma, hyphen or dash and has at least five words (salutations such as
       "Mr. President," are shorter and stay alone), or
   (c) its last word is a function word (`JOIN_AFTER`: "the", "of", "and", ..., and "United",
       which never ends a sentence). Headings ("Climate Action") stay units of their own.
2. **Units.** A unit is a (joined) paragraph; its text is the file's characters between its
   offsets with every run of whitespace turned into one space. A paragraph of more than
   `MAX_WORDS` (150) words is cut at sentence boundaries into the fewest pieces of at most 150 words,
   as even as the sentences allow (`#<line>.<piece>` ids); a single sentence is never cut.
3. **Selection.** Every unit of 2021, 2022 and 2023 that matches a pattern of `SELECTION`: Ukraine
   (places, the grain corridor, "the war in Europe", the peace formula), Russia, the United States
   (names, metonyms, the president) or the indirect US references of the guidelines ("unilateral
   coercive measures", "hegemon", the blockade against Cuba); plus a seeded random sample of
   `SAMPLE_SHARE` (15%) as many units again, drawn from the units of the same speeches that match
   nothing and have at least `SAMPLE_MIN_WORDS` (20) words (salutations and headings are not
   statements), so that a model also learns when a target is absent. A unit that is only a
   bracketed stage direction ("(spoke in Russian)") is never selected.
"""

from __future__ import annotations

import csv
import math
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from stancebench.data.hashing import text_sha256

SESSIONS = {2021: 76, 2022: 77, 2023: 78}
MAX_WORDS = 150
SAMPLE_SHARE = 0.15
SAMPLE_MIN_WORDS = 20
SPEAKERS_FILE = "speakers_2021-2024.csv"

_SENTENCE_FINAL = re.compile(r"[.!?:;…\"”’)\]]$")
JOIN_AFTER = frozenset(
    "the of and in to a an that with for by on as at from which who whose our their its his her is are "
    "was were be been this these those will would has have had not or but than into upon whether under "
    "between against toward towards united".split()
)

SELECTION = {
    "ukraine": re.compile(
        r"\bUkrain\w*|\bKyiv\b|\bKiev\b|\bDonbas+\b|\bDonetsk\b|\bLuhansk\b|\bLugansk\b|\bCrimea\w*"
        r"|\bZaporizh\w*|\bZaporozh\w*|\bKharkiv\b|\bKherson\b|\bMariupol\b|\bBucha\b|\bOdes+a\b"
        r"|\bBlack Sea Grain\b|\bgrain (?:deal|corridor|initiative|agreement)|\bpeace formula\b"
        r"|\bwar (?:in|on) (?:the )?(?:heart of )?Europe|\bwar on (?:the )?European (?:soil|continent)"
        r"|\bconflict in Europe"
    ),
    "russia": re.compile(r"\bRussia\w*|\bMoscow\b|\bKremlin\b|\bPutin\b"),
    "us": re.compile(
        r"\bUnited States\b|\bU\.S\.(?!S\.R)|\bUS\b(?!\s?\$| ?dollar)|\bUSA\b"
        r"|(?<!Latin )(?<!South )(?<!North )(?<!Central )\bAmericans?\b|\bAmerica\b(?<!Latin America)"
        r"|\bWashington\b|\bWhite House\b|\bBiden\b|\bTrump\b|\bPentagon\b"
    ),
    "us_indirect": re.compile(
        r"unilateral coercive measures|unilateral (?:economic )?sanctions|collective West|\bhegemon\w*"
        r"|\bsuperpower|(?:embargo|blockade)\b[^.]{0,60}\bCuba",
        re.IGNORECASE,
    ),
}


@dataclass(frozen=True)
class Unit:
    """One unit of one speech: where its text is, and the text itself (never written to the repo)."""

    id: str
    path: str          # relative to the corpus root, e.g. 2022/UKR_77_2022.txt
    line: int          # first line (1-based)
    line_end: int      # last line
    start: int         # character offsets into the decoded file, end exclusive
    end: int
    text: str

    @property
    def text_sha256(self) -> str:
        return text_sha256(self.text)


def unit_text(file_text: str, start: int, end: int) -> str:
    """A unit's text: the characters between its offsets, whitespace runs made one space."""
    return " ".join(file_text[start:end].split())


def _joins(line: str, following: str) -> bool:
    line, following = line.rstrip(), following.strip()
    if not line or not following or _SENTENCE_FINAL.search(line):
        return False
    if following[0].islower() or following[0] in "“\"‘([":
        return True
    if line[-1] in ",-–—" and len(line.split()) >= 5:
        return True
    return line.split()[-1].lower() in JOIN_AFTER


def paragraphs(file_text: str) -> list[tuple[int, int, int, int]]:
    """(first line, last line, start, end) of each paragraph, lines joined by the rule above."""
    lines = file_text.split("\n")
    spans, offset, current = [], 0, None
    for number, line in enumerate(lines, start=1):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        if not line.strip():
            continue
        if current is None:
            current = [number, number, line_start + len(line) - len(line.lstrip()), line_end]
        current[1], current[3] = number, line_start + len(line.rstrip())
        if not (number < len(lines) and _joins(line, lines[number])):
            spans.append(tuple(current))
            current = None
    return spans


# a sentence ends at . ! ? (maybe followed by a closing quote or bracket) before a space and a
# capital, a digit or an opening quote; "Mr. President" and other abbreviations are not ends
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“‘(]?[A-Z0-9])")
_ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|No|Nos|Art|Prof|H\.E|U\.S|U\.N|e\.g|i\.e|etc|vs|Jr|Sr|[A-Z])\.$")


def sentence_spans(file_text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Offsets of the sentences of file_text[start:end]."""
    spans, begin = [], start
    for match in _SENTENCE_END.finditer(file_text, start, end):
        if _ABBREVIATION.search(file_text[begin : match.start() + 1]):
            continue
        spans.append((begin, match.start() + len(match.group().rstrip())))
        begin = match.end()
    spans.append((begin, end))
    return [(a, b) for a, b in spans if file_text[a:b].strip()]


def cut(file_text: str, start: int, end: int, max_words: int = MAX_WORDS) -> list[tuple[int, int]]:
    """A paragraph's pieces: at most `max_words` words each where the sentences allow, as even as possible."""
    words = len(file_text[start:end].split())
    if words <= max_words:
        return [(start, end)]
    sentences = sentence_spans(file_text, start, end)
    pieces = math.ceil(words / max_words)
    target = words / pieces
    result, piece_start, piece_words = [], sentences[0][0], 0
    for i, (a, b) in enumerate(sentences):
        n = len(file_text[a:b].split())
        # close the piece before this sentence when adding it would overshoot the even share by more
        # than stopping short of it, or break the hard limit
        if piece_words and (piece_words + n > max_words or abs(piece_words + n - target) > abs(piece_words - target)):
            result.append((piece_start, sentences[i - 1][1]))
            piece_start, piece_words = a, 0
        piece_words += n
    result.append((piece_start, sentences[-1][1]))
    return result


def speech_units(file_text: str, speech: str, path: str) -> list[Unit]:
    """Every unit of one speech file, in order."""
    units = []
    for line, line_end, start, end in paragraphs(file_text):
        pieces = cut(file_text, start, end)
        for k, (a, b) in enumerate(pieces, start=1):
            uid = f"{speech}#{line}" if len(pieces) == 1 else f"{speech}#{line}.{k}"
            units.append(Unit(uid, path, line, line_end, a, b, unit_text(file_text, a, b)))
    return units


def matched_groups(text: str) -> list[str]:
    """The `SELECTION` groups a unit's text matches."""
    return [name for name, pattern in SELECTION.items() if pattern.search(text)]


def read_speakers(corpus_dir: Path) -> dict[tuple[int, str], dict[str, str]]:
    """(year, ISO3) -> speaker name and post, from the corpus's speakers file (values stripped)."""
    rows = {}
    with open(corpus_dir / SPEAKERS_FILE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[(int(row["Year"]), row["ISO Code"].strip())] = {
                "speaker": " ".join(row["Name of Person Speaking"].split()),
                "speaker_post": " ".join(row["Post"].split()),
            }
    return rows


def speech_files(corpus_dir: Path, years=tuple(SESSIONS)) -> list[Path]:
    return sorted(p for year in years for p in (corpus_dir / str(year)).glob(f"*_{SESSIONS[year]}_{year}.txt"))


def select_units(corpus_dir: str | Path, years=tuple(SESSIONS), sample_share: float = SAMPLE_SHARE,
                 seed: int = 0) -> list[dict]:
    """The units to annotate (stand-off rows without labels), in file order; see the module docstring.

    Each row: `id`, `path`, `line`, `line_end`, `start`, `end`, `text_sha256`, `country`, `year`,
    `speaker`, `speaker_post`, `selected_by` (the matched `SELECTION` groups, or ["sample"]).
    """
    corpus_dir = Path(corpus_dir)
    speakers = read_speakers(corpus_dir)
    selected, pool = [], []
    for file in speech_files(corpus_dir, years):
        country, _, year = file.stem.split("_")
        path = file.relative_to(corpus_dir).as_posix()
        meta = {"country": country, "year": int(year), **speakers[(int(year), country)]}
        for unit in speech_units(file.read_text(encoding="utf-8"), file.stem, path):
            if unit.text.startswith("(") and unit.text.endswith(")"):
                continue
            groups = matched_groups(unit.text)
            if groups:
                selected.append((unit, meta, groups))
            elif len(unit.text.split()) >= SAMPLE_MIN_WORDS:
                pool.append((unit, meta, ["sample"]))
    speeches = {unit.id.split("#")[0] for unit, _, _ in selected}
    pool = [item for item in pool if item[0].id.split("#")[0] in speeches]
    sample = random.Random(seed).sample(pool, min(len(pool), round(sample_share * len(selected))))
    order = {unit.id: i for i, (unit, _, _) in enumerate(sorted(selected + pool, key=_file_order))}
    rows = []
    for unit, meta, groups in sorted(selected + sample, key=lambda item: order[item[0].id]):
        row = {k: v for k, v in asdict(unit).items() if k != "text"}
        rows.append({**row, "text_sha256": unit.text_sha256, **meta, "selected_by": groups})
    return rows


def _file_order(item: tuple[Unit, dict, list[str]]) -> tuple[str, int, int]:
    unit = item[0]
    return unit.path, unit.line, unit.start


# --- gold labels and splits ------------------------------------------------------------------------

LABEL_FIELDS = ("stance_us", "stance_ukraine", "stance_negotiations", "sentiment")
SPLIT_SHARES = {"test": 0.3, "dev": 0.1, "train": 0.6}


def gold_labels(ids: list[str], a: dict[str, dict], b: dict[str, dict], adjudication: list[tuple[int, dict]],
                adjudication_path: str = "adjudication.jsonl") -> tuple[dict[str, dict], list]:
    """Gold labels: where passes A and B agree, their label; where they disagree, the adjudicator's.

    Every unit must be in both passes, and every disputed field must have exactly one adjudication
    (line, row) whose candidates are the two labels and whose gold is one of them; anything else is
    a problem (file, line, field, value), all reported at once.
    """
    from stancebench.data.schema import Problem

    problems, gold = [], {}
    decided: dict[tuple[str, str], tuple[int, dict]] = {}
    for line, row in adjudication:
        key = (row.get("id"), row.get("field"))
        if key in decided:
            problems.append(Problem(adjudication_path, line, "id", key[0],
                                    f"second adjudication of field {key[1]!r} (first on line {decided[key][0]})"))
        decided[key] = (line, row)
    for uid in ids:
        if uid not in a or uid not in b:
            missing = "A" if uid not in a else "B"
            problems.append(Problem(adjudication_path, 0, "id", uid, f"unit not labelled by pass {missing}"))
            continue
        labels = {}
        for field in LABEL_FIELDS:
            x, y = a[uid][field], b[uid][field]
            if x == y:
                labels[field] = x
                continue
            line, row = decided.pop((uid, field), (0, None))
            if row is None:
                problems.append(Problem(adjudication_path, 0, "id", uid, f"dispute on {field} ({x} vs {y}) not adjudicated"))
            elif sorted(row.get("candidates", [])) != sorted([x, y]):
                problems.append(Problem(adjudication_path, line, "candidates", row.get("candidates"),
                                        f"must be the two labels of the passes: {sorted([x, y])}"))
            elif row.get("gold") not in (x, y):
                problems.append(Problem(adjudication_path, line, "gold", row.get("gold"), f"must be {x!r} or {y!r}"))
            else:
                labels[field] = row["gold"]
        gold[uid] = labels
    for (uid, field), (line, _) in decided.items():
        problems.append(Problem(adjudication_path, line, "id", uid, f"adjudicates {field}, on which the passes agree (or an unknown unit)"))
    return gold, problems


def build_units(candidates: list[dict], gold: dict[str, dict], seed: int = 0) -> list[dict]:
    """Candidates + gold labels + a country-disjoint split: whole countries (every year) go to test,
    dev or train so that each label of each field is spread 30/10/60 as far as countries allow
    (`iterative_group_splits`, rarest labels first)."""
    from stancebench.data.splits import iterative_group_splits

    rows = [{**row, **gold[row["id"]]} for row in candidates]
    splits = iterative_group_splits(rows, "country", SPLIT_SHARES, LABEL_FIELDS, seed=seed)
    return [{**row, "split": split} for row, split in zip(rows, splits)]
