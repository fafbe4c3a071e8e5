"""The `kg` command line, run in-process: output formats, exit codes, indexing and evaluation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS

from cli.main import main
from kg.settings import EmbeddingSettings, Settings, get_settings
from vectors.encoder import ModelEncoder

CONTRACT_KEYS = {"doc", "chunkId", "text", "start", "end", "score", "title", "date"}
METRICS = {"R@1", "R@5", "R@10", "MRR@10"}
MODES = {"hybrid", "dense", "keyword"}
RANK_LINE = re.compile(
    r"^ ?(\d+)\. \[\d+\.\d{3}\] (.+) \((\d{4}-\d\d-\d\d|undated)\) (\S+):(\d+)-(\d+)$"
)


@dataclass(frozen=True)
class Run:
    """What one `kg` invocation did."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)


class Kg:
    """Runs `kg ARGS...` in-process against the data and corpus folders given to `use`."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def use(self, data_dir: Path, corpus_dir: Path) -> None:
        """Point KG_DATA_DIR and KG_CORPUS_DIR at these folders."""
        self._monkeypatch.setenv("KG_DATA_DIR", str(data_dir))
        self._monkeypatch.setenv("KG_CORPUS_DIR", str(corpus_dir))
        get_settings.cache_clear()

    def __call__(self, *argv: str) -> Run:
        self._capsys.readouterr()
        code = main(list(argv))
        out, err = self._capsys.readouterr()
        return Run(code, out, err)


@pytest.fixture
def kg(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    encoder: ModelEncoder,
) -> Iterator[Kg]:
    """`kg`, with the settings cache cleared around each test."""

    # Commands build their services as `kg` does; only the model (same bundled model, same
    # settings) is shared with the session, so the suite does not load it once per command.
    def shared_encoder(settings: EmbeddingSettings) -> ModelEncoder:
        assert settings == EmbeddingSettings()
        return encoder

    monkeypatch.setattr("api.deps.make_encoder", shared_encoder)
    monkeypatch.setattr("indexer.pipeline.make_encoder", shared_encoder)
    get_settings.cache_clear()
    yield Kg(capsys, monkeypatch)
    get_settings.cache_clear()


@pytest.fixture
def on_index(kg: Kg, indexed: Settings) -> Kg:
    """`kg` pointed at the shared session index (read-only: never re-indexed here)."""
    kg.use(indexed.data_dir, indexed.corpus_dir)
    return kg


@pytest.fixture
def on_empty(kg: Kg, tmp_path: Path) -> Kg:
    """`kg` pointed at an empty data folder and a corpus folder of its own."""
    kg.use(tmp_path / "data", tmp_path / "corpus")
    return kg


# --- kg search ---


def test_search_json_prints_contract_results(on_index: Kg) -> None:
    run = on_index("search", "volunteer cadet scheme", "--json", "--k", "3")
    assert run.code == 0
    body = run.json()
    assert set(body) >= {"results"}
    results = body["results"]
    assert 1 <= len(results) <= 3
    for result in results:
        assert set(result) >= CONTRACT_KEYS
        assert result["doc"] in CORPUS
        assert 0 <= result["start"] < result["end"] <= len(CORPUS[result["doc"]])
    assert results[0]["doc"] == "cadets.txt"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_search_json_k_limits_results(on_index: Kg) -> None:
    assert len(on_index("search", "report", "--json", "--k", "1").json()["results"]) == 1
    assert len(on_index("search", "report", "--json", "--k", "2").json()["results"]) == 2


def test_search_human_output_shows_ranked_citations(on_index: Kg) -> None:
    run = on_index("search", "speed cameras", "--k", "3")
    assert run.code == 0
    ranks = [m for m in map(RANK_LINE.match, run.out.splitlines()) if m]
    assert [int(m.group(1)) for m in ranks] == list(range(1, len(ranks) + 1))
    assert 1 <= len(ranks) <= 3
    first = ranks[0]
    assert first.group(4) == "harbour.txt"
    assert first.group(3) == "2015-03-03"
    assert "speed" in run.out.split(first.group(0), 1)[1]  # the snippet follows the rank line
    assert "<mark>" not in run.out  # markup is for HTML, not the terminal


def test_search_human_output_reports_acronym_expansion(on_index: Kg) -> None:
    run = on_index("search", "VCS")
    assert run.code == 0
    assert "VCS = Volunteer Cadet Scheme" in run.out
    assert "cadets.txt" in run.out


def test_search_doc_filter_restricts_results(on_index: Kg) -> None:
    run = on_index("search", "VCS", "--doc", "cadets.txt", "--json")
    assert run.code == 0
    results = run.json()["results"]
    assert results and {r["doc"] for r in results} == {"cadets.txt"}


def test_search_doc_filter_is_repeatable(on_index: Kg) -> None:
    run = on_index("search", "report", "--doc", "ferries.txt", "--doc", "inspection.md", "--json")
    assert {r["doc"] for r in run.json()["results"]} == {"ferries.txt", "inspection.md"}


def test_search_date_filters_restrict_results(on_index: Kg) -> None:
    run = on_index("search", "report", "--from", "2012-01-01", "--to", "2015-12-31", "--json")
    assert {r["doc"] for r in run.json()["results"]} == {"cadets.txt", "harbour.txt"}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_search_every_mode_finds_the_matching_passage(on_index: Kg, mode: str) -> None:
    run = on_index("search", "custody suite at Eastgate", "--mode", mode, "--json")
    assert run.code == 0
    assert run.json()["results"][0]["doc"] == "inspection.md"


def test_search_unknown_document_is_a_runtime_error(on_index: Kg) -> None:
    run = on_index("search", "report", "--doc", "nope.txt")
    assert run.code == 1
    assert run.err.startswith("error:") and "nope.txt" in run.err
    assert run.out == ""


def test_search_k_above_the_maximum_fails_naming_k(on_index: Kg) -> None:
    run = on_index("search", "report", "--k", "101")
    assert run.code != 0
    assert "--k" in run.err and "100" in run.err


def test_search_without_an_index_exits_1_with_an_error(on_empty: Kg) -> None:
    run = on_empty("search", "report")
    assert run.code == 1
    assert run.err.startswith("error:")
    assert "kg index" in run.err
    assert run.out == ""


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["search", "report", "--k", "0"], id="k-zero"),
        pytest.param(["search", "report", "--k", "many"], id="k-not-integer"),
        pytest.param(["search", "report", "--mode", "fuzzy"], id="unknown-mode"),
        pytest.param(["search", "report", "--from", "2015-13-01"], id="bad-date"),
        pytest.param(["search"], id="missing-query"),
        pytest.param(["search", "report", "--limit", "3"], id="unknown-option"),
        pytest.param(["frobnicate"], id="unknown-command"),
        pytest.param([], id="no-command"),
    ],
)
def test_usage_errors_exit_2(on_index: Kg, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        on_index(*argv)
    assert exit_info.value.code == 2


def test_usage_error_prints_usage_to_stderr(
    on_index: Kg, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        on_index("search", "report", "--k", "0")
    out, err = capsys.readouterr()
    assert out == ""
    assert "usage:" in err and "--k" in err


# --- kg index ---

ALPHA = "Alpha Report\n1 May 2019\n\n1. The alpha team patrols the river district every night.\n"
BETA = "# Beta Review\n\nJuly 2020\n\nThe beta unit handles burglary follow-up visits.\n"


def write_small_corpus(folder: Path) -> Path:
    """Two small documents, one empty file and one binary file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alpha.txt").write_text(ALPHA, encoding="utf-8")
    (folder / "beta.md").write_text(BETA, encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "garbage.txt").write_bytes(bytes(range(256)) * 4)
    return folder


def test_index_reports_skipped_files_and_then_is_up_to_date(on_empty: Kg, tmp_path: Path) -> None:
    write_small_corpus(tmp_path / "corpus")
    first = on_empty("index", "--no-progress")
    assert first.code == 3  # indexed what it could; some files failed
    assert "2 added" in first.out and "2 failed" in first.out
    skipped = [line for line in first.err.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 2
    assert any("empty.txt" in line for line in skipped)
    assert any("garbage.txt" in line for line in skipped)
    assert "alpha.txt" not in first.err and "beta.md" not in first.err

    second = on_empty("index", "--no-progress")
    assert second.code == 3  # the two files still cannot be read
    assert "up to date" in second.out
    assert "2 unchanged" in second.out and "0 added" in second.out


def test_index_builds_an_index_that_search_uses(on_empty: Kg, tmp_path: Path) -> None:
    write_small_corpus(tmp_path / "corpus")
    assert on_empty("index", "--no-progress").code == 3
    results = on_empty("search", "river patrols", "--json").json()["results"]
    assert results[0]["doc"] == "alpha.txt"
    assert {r["doc"] for r in results} <= {"alpha.txt", "beta.md"}


def test_index_json_prints_the_report(on_empty: Kg, tmp_path: Path) -> None:
    write_small_corpus(tmp_path / "corpus")
    run = on_empty("index", "--json", "--no-progress")
    assert run.code == 3
    report = run.json()
    assert sorted(report["added"]) == ["alpha.txt", "beta.md"]
    assert report["replaced"] == [] and report["removed"] == [] and report["unchanged"] == []
    assert {Path(source).name for source in report["failed"]} == {"empty.txt", "garbage.txt"}
    assert report["chunks"] >= 2 and report["chunks_embedded"] == report["chunks"]

    (tmp_path / "corpus" / "alpha.txt").write_text(ALPHA.replace("night", "morning"), "utf-8")
    (tmp_path / "corpus" / "beta.md").unlink()
    again = on_empty("index", "--json", "--no-progress").json()
    assert again["replaced"] == ["alpha.txt"]
    assert again["removed"] == ["beta.md"]
    assert again["added"] == []


def test_index_explicit_path_indexes_that_folder(on_empty: Kg, tmp_path: Path) -> None:
    docs = write_small_corpus(tmp_path / "elsewhere")
    run = on_empty("index", str(docs), "--json", "--no-progress")
    assert run.code == 3
    assert sorted(run.json()["added"]) == ["alpha.txt", "beta.md"]
    results = on_empty("search", "burglary follow-up", "--json", "--k", "1").json()["results"]
    assert [r["doc"] for r in results] == ["beta.md"]


# --- kg eval ---

EASY_QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "t1",
        "question": "Who leads the speed enforcement work in the northern district?",
        "kind": "who_leads",
        "answers": ["Quill", "Mara Quill", "Inspector Mara Quill"],
        "evidence": [
            {
                "doc": "harbour.txt",
                "quote": "Inspector Mara\nQuill leads the speed enforcement work across the "
                "northern district.",
            }
        ],
        "tags": ["keyword"],
    },
    {
        "id": "t2",
        "question": "Where was the custody suite rebuilt?",
        "kind": "fact",
        "answers": ["Eastgate"],
        "evidence": [
            {
                "doc": "inspection.md",
                "quote": "The **custody suite** at Eastgate was\nrebuilt and now meets the "
                "national standard.",
            }
        ],
        "tags": ["keyword"],
    },
    {
        "id": "t3",
        "question": "How many young people did the volunteer cadet scheme recruit?",
        "kind": "fact",
        "answers": ["forty", "40"],
        "evidence": [
            {
                "doc": "cadets.txt",
                "quote": "The volunteer cadet scheme recruited forty young people in Ravensholme",
            }
        ],
        "tags": [],
    },
    {
        "id": "t4",
        "question": "How often do kestrel watch exchange meetings happen?",
        "kind": "fact",
        "answers": ["monthly"],
        "evidence": [
            {
                "doc": "ferries.txt",
                "quote": "Kestrel watch exchange meetings now happen monthly with the port "
                "authority",
            }
        ],
        "tags": [],
    },
]
# Evidence in a document the index does not hold: no mode can ever retrieve it.
UNANSWERABLE: dict[str, Any] = {
    "id": "t5",
    "question": "Who chairs the coastal resilience forum?",
    "kind": "who_leads",
    "answers": ["Nobody"],
    "evidence": [{"doc": "missing.txt", "quote": "The coastal resilience forum is chaired by"}],
    "tags": [],
}


def write_questions(path: Path, questions: list[dict[str, Any]]) -> Path:
    """A question set in the ../shared/eval format."""
    path.write_text(json.dumps(questions, indent=2), encoding="utf-8")
    return path


def test_eval_quotes_come_from_the_corpus() -> None:
    for question in EASY_QUESTIONS:
        for evidence in question["evidence"]:
            document = " ".join(CORPUS[evidence["doc"]].split())
            assert " ".join(evidence["quote"].split()) in document


def test_eval_prints_metrics_for_every_mode(on_index: Kg, tmp_path: Path) -> None:
    qa = write_questions(tmp_path / "qa.json", EASY_QUESTIONS)
    run = on_index("eval", "--qa", str(qa))
    assert run.code == 0
    assert "4 questions" in run.out
    header = next(line for line in run.out.splitlines() if "hybrid" in line)
    assert header.split() == ["hybrid", "dense", "keyword"]
    for metric in METRICS:
        row = next(line for line in run.out.splitlines() if line.split()[:1] == [metric])
        assert len(row.split()) == 4  # the metric and one value per mode


def test_eval_json_reports_perfect_recall_on_an_easy_set(on_index: Kg, tmp_path: Path) -> None:
    qa = write_questions(tmp_path / "qa.json", EASY_QUESTIONS)
    run = on_index("eval", "--qa", str(qa), "--json")
    assert run.code == 0
    retrieval = run.json()["retrieval"]
    assert set(retrieval) == MODES
    for mode, result in retrieval.items():
        overall = result["overall"]
        assert set(overall) == METRICS
        assert overall["R@10"] == 1.0, (mode, result["ranks"])
        assert overall["R@1"] <= overall["R@5"] <= overall["R@10"]
        assert 0 < overall["MRR@10"] <= 1.0
        assert set(result["ranks"]) == {"t1", "t2", "t3", "t4"}
        assert result["counts"] == {"fact": 3, "who_leads": 1}
    assert retrieval["hybrid"]["overall"]["R@1"] == 1.0


def test_eval_counts_an_unretrievable_question_as_a_miss(on_index: Kg, tmp_path: Path) -> None:
    qa = write_questions(tmp_path / "qa.json", [*EASY_QUESTIONS, UNANSWERABLE])
    retrieval = on_index("eval", "--qa", str(qa), "--json").json()["retrieval"]
    for result in retrieval.values():
        assert result["ranks"]["t5"] == 0
        assert result["overall"]["R@10"] == pytest.approx(0.8)
        assert result["by_kind"]["who_leads"]["R@10"] == pytest.approx(0.5)


def test_eval_unreadable_question_set_is_a_runtime_error(on_index: Kg, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    for path in (bad, tmp_path / "absent.json"):
        run = on_index("eval", "--qa", str(path))
        assert run.code == 1
        assert run.err.startswith("error:") and path.name in run.err


def test_eval_reports_claim_accuracy_answered_share_and_abstention(
    on_index: Kg, tmp_path: Path
) -> None:
    qa = write_questions(tmp_path / "qa.json", EASY_QUESTIONS)
    never = tmp_path / "never.txt"
    never.write_text(
        "What is the recipe for banana bread?\nWho won the 1966 World Cup?\n", encoding="utf-8"
    )
    body = on_index("eval", "--qa", str(qa), "--unanswerable", str(never), "--json").json()
    answers = body["answers"]
    assert 0.0 <= answers["claim_accuracy"] <= answers["accuracy"] <= 1.0
    assert 0.0 < answers["answered"] <= 1.0
    assert body["abstention"] == {"questions": 2, "abstained": 1.0, "answered": []}
    text = on_index("eval", "--unanswerable", str(never)).out
    assert "answered: false" in text and "1.000" in text
    missing = on_index("eval", "--unanswerable", str(tmp_path / "absent.json"))
    assert missing.code == 1 and "absent.json" in missing.err


def test_eval_without_question_set_fails_naming_the_option(on_index: Kg) -> None:
    run = on_index("eval")
    assert run.code != 0
    assert "--qa" in run.err


# --- known defects (see the report): the CLI does not apply the API's query bounds ---


def exit_code(kg: Kg, *argv: str) -> int:
    """The exit code of `kg ARGS...`, whether returned or raised by argparse."""
    try:
        return int(kg(*argv).code)
    except SystemExit as e:
        return int(e.code or 0)


@pytest.mark.parametrize("query", ["", "   "])
def test_search_rejects_a_blank_query(on_index: Kg, query: str) -> None:
    assert exit_code(on_index, "search", query) == 2


def test_search_rejects_a_query_over_the_configured_limit(on_index: Kg) -> None:
    assert exit_code(on_index, "search", "x" * 513) == 2


def test_search_rejects_from_after_to(on_index: Kg) -> None:
    code = exit_code(on_index, "search", "report", "--from", "2016-01-01", "--to", "2015-01-01")
    assert code == 2


def test_search_k_above_the_maximum_is_a_usage_error(on_index: Kg) -> None:
    assert exit_code(on_index, "search", "report", "--k", "101") == 2


def test_the_claim_of_an_answer_leaves_out_its_quotes_and_history() -> None:
    from kg.evaluation import answer_claim, answer_is_correct

    graph = (
        "Reverend Derek Webley chairs Police Authority (as of 1 October 2006, Baseline). "
        "Source: “The PA chair is Councillor Diana Holl-Allen.” History: Councillor Diana "
        "Holl-Allen chairs Police Authority (as of 1 October 2006, Baseline)."
    )
    assert answer_is_correct(graph, ["Holl-Allen"])
    assert not answer_is_correct(answer_claim(graph), ["Holl-Allen"])
    assert answer_is_correct(answer_claim(graph), ["Derek Webley"])
    inline = "The MOJs “Transforming Rehabilitation” paper is the first risk (Board, 2013)."
    assert not answer_is_correct(answer_claim(inline), ["Transforming Rehabilitation"])
    assert answer_is_correct(answer_claim(inline), ["first risk"])


def test_eval_reports_answer_accuracy_in_the_claim_alone(on_index: Kg, tmp_path: Path) -> None:
    qa = write_questions(tmp_path / "qa.json", EASY_QUESTIONS)
    answers = on_index("eval", "--qa", str(qa), "--json").json()["answers"]
    assert 0.0 <= answers["claim_accuracy"] <= answers["accuracy"] <= 1.0
    assert set(answers["claim_by_kind"]) == set(answers["by_kind"])
