"""`surveykit score`: chunked scoring from the command line; outputs checked against a whole-file read."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.data import read_survey

INSTRUMENT = sk.datasets.demo_instrument_path()


def run(*args):
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-m", "surveykit", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=600)


def sha(p: Path) -> str:
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def whole():
    """The non-streamed computation: the whole file read at once, scored by SurveyData.scores()."""
    return read_survey(sk.datasets.demo_path("sav"), instrument=INSTRUMENT)


def test_scores_csv_and_summary_on_stdout(tmp_path, whole):
    data = sk.datasets.demo_path("sav")
    before = sha(data)
    out = tmp_path / "scores.csv"
    proc = run("score", data, "--instrument", INSTRUMENT, "--out", out, "--chunksize", "128")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar when the output is not a terminal
    lines = proc.stdout.splitlines()
    complete = int(whole.frame[whole.item_ids()].notna().all(axis=1).sum())
    assert lines[0] == f"demo_survey.sav: 600 rows read in 5 chunk(s), {complete} complete on every item"
    assert lines[-1] == str(out)
    written = pd.read_csv(out)
    expected = whole.scores()
    assert list(written.columns) == ["respondent_id", *expected.columns]
    np.testing.assert_array_equal(written["respondent_id"], whole.frame["respondent_id"])
    np.testing.assert_allclose(written[expected.columns].to_numpy(), expected.to_numpy(), rtol=1e-15, atol=0)
    # the summary's score table: n, mean, sd of each construct score over the whole file
    exe = next(line.split() for line in lines if line.split()[:1] == ["EXE"])
    assert int(exe[1]) == expected["EXE"].notna().sum()
    assert float(exe[2]) == pytest.approx(expected["EXE"].mean(), abs=5e-4)
    assert float(exe[3]) == pytest.approx(expected["EXE"].std(), abs=5e-4)
    assert sha(data) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]  # no temporary file left


def test_parquet_scores_and_json_summary(tmp_path, whole):
    pytest.importorskip("pyarrow")
    out, summary = tmp_path / "out" / "scores.parquet", tmp_path / "summary.json"
    proc = run("score", sk.datasets.demo_path("csv"), "--instrument", INSTRUMENT, "--out", out, "--summary", summary,
               "--chunksize", "250", "--min-items", "4")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [str(out), str(summary)]
    written = pd.read_parquet(out)
    expected = whole.scores(min_items=4)
    np.testing.assert_allclose(written[expected.columns].to_numpy(), expected.to_numpy(), rtol=1e-15, atol=0)
    doc = json.loads(summary.read_text(encoding="utf-8"))
    assert (doc["n_rows"], doc["n_chunks"]) == (600, 3)
    scores = {row["construct"]: row for row in doc["scores"]}
    for code in expected.columns:
        assert scores[code]["n"] == expected[code].notna().sum()
        assert scores[code]["mean"] == pytest.approx(expected[code].mean(), abs=1e-12)
        assert scores[code]["sd"] == pytest.approx(expected[code].std(), abs=1e-12)
    keyed = whole.keyed()[whole.item_ids()]
    items = {row["item"]: row for row in doc["items"]}
    assert items["org_4"]["mean"] == pytest.approx(keyed["org_4"].mean(), abs=1e-12)  # reverse-keyed
    assert doc["missing_codes"]["org_3"] == {str(k): v for k, v in whole.missing_code_counts["org_3"].items()}
    assert doc["missing_codes"]["org_3"]  # the demo plants declared missing codes in org_3


def test_out_of_range_code_is_exit_2_with_the_row_and_no_output(tmp_path):
    frame = pd.read_csv(sk.datasets.demo_path("csv"))
    frame.loc[450, "cap_2"] = 0
    data = tmp_path / "bad.csv"
    frame.to_csv(data, index=False)
    before = sha(data)
    out = tmp_path / "scores.csv"
    proc = run("score", data, "--instrument", INSTRUMENT, "--out", out, "--chunksize", "100")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"surveykit: error: {data}: item 'cap_2' has values outside its scale 1-5 (0) at data row(s) 451. Declare "
        "them as missing codes in the scale or recode the data ('surveykit validate' lists every problem)."
    ]
    assert proc.stdout == ""
    assert sha(data) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]  # neither scores nor a temporary file


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "sav"], "--format sav is not offered since an SPSS file cannot be written chunk by chunk; use "
                              "csv or parquet."),
        (["--format", "xlsx"], "--format 'xlsx' is not one of csv, parquet."),
        (["--chunksize", "0"], "chunksize must be a positive whole number of rows, got 0."),
        (["--jobs", "0"], "jobs must be a positive whole number of processes or -1 (every core), got 0."),
    ],
)
def test_bad_options_are_exit_2_with_one_sentence(tmp_path, extra, message):
    proc = run("score", sk.datasets.demo_path("sav"), "--instrument", INSTRUMENT, "--out", tmp_path / "s.csv", *extra)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"surveykit: error: {message}"]
    assert list(tmp_path.iterdir()) == []


def test_missing_file_and_output_over_the_input(tmp_path):
    proc = run("score", tmp_path / "nope.sav", "--instrument", INSTRUMENT, "--out", tmp_path / "s.csv")
    assert proc.returncode == 2
    assert proc.stderr.startswith("surveykit: error: ") and "nope.sav" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    data = tmp_path / "demo.csv"
    data.write_bytes(sk.datasets.demo_path("csv").read_bytes())
    before = sha(data)
    proc = run("score", data, "--instrument", INSTRUMENT, "--out", data)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"surveykit: error: --out '{data}' is the data file itself; write to another file "
                                   "(an input is never overwritten).")
    assert sha(data) == before


def test_debug_shows_the_traceback(tmp_path):
    proc = run("--debug", "score", tmp_path / "nope.sav", "--instrument", INSTRUMENT, "--out", tmp_path / "s.csv")
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def _on_a_terminal(args: list, env: dict) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal; the exit code and everything written to it."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "surveykit", *map(str, args)], stdout=follower, stderr=follower,
                            stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the follower side closed: the process has ended
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(timeout=600), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_progress_bar_on_a_terminal_only_outside_ci(tmp_path):
    args = ["score", sk.datasets.demo_path("sav"), "--instrument", INSTRUMENT, "--out", tmp_path / "s.csv",
            "--chunksize", "50"]
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTHONWARNINGS")}
    code, shown = _on_a_terminal(args, env)
    assert code == 0, shown
    assert "Scoring demo_survey.sav" in shown and "rows" in shown
    code, shown = _on_a_terminal(args, {**env, "CI": "true"})
    assert code == 0, shown
    assert "Scoring demo_survey.sav" not in shown and "600 rows read in 12 chunk(s)" in shown


def test_encoding_and_layout_of_a_platform_text_export(tmp_path):
    """A GBK-encoded 问卷星 export with answer texts: mapped to codes chunk by chunk, as read_survey maps them."""
    data = Path(__file__).parents[1] / "data" / "fixtures" / "wjx_text_gbk.csv"
    before = sha(data)
    out = tmp_path / "scores.csv"
    proc = run("score", data, "--instrument", INSTRUMENT, "--out", out, "--chunksize", "7", "--encoding", "gb18030",
               "--layout", "wjx")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "wjx_text_gbk.csv: 30 rows read in 5 chunk(s), 24 complete on every item"
    expected = read_survey(data, instrument=INSTRUMENT, encoding="gb18030", layout="wjx").scores()
    written = pd.read_csv(out)
    np.testing.assert_allclose(written[expected.columns].to_numpy(), expected.to_numpy(), rtol=1e-15, atol=0)
    assert sha(data) == before
    proc = run("score", data, "--instrument", INSTRUMENT, "--out", out, "--layout", "spss")
    assert proc.returncode == 2 and proc.stderr.startswith("surveykit: error: ") and "spss" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE")
def test_file_size_limit_is_one_sentence_and_leaves_no_partial_file(tmp_path):
    """A real file-size limit in a child (issue 13): exit 2, the scores file named, nothing left behind."""
    import resource

    from tests._tiny import tiny_data, write_tiny

    write_tiny(tmp_path, data=tiny_data(n=5000))
    before = sorted(os.listdir(tmp_path))

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))

    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    proc = subprocess.run([sys.executable, "-m", "surveykit", "score", str(tmp_path / "data.csv"), "--instrument",
                           str(tmp_path / "ins.yaml"), "--out", str(tmp_path / "s.csv")], capture_output=True,
                          text=True, env=env, preexec_fn=limit, cwd=Path(__file__).resolve().parents[2],
                          timeout=300)
    assert proc.returncode == 2
    assert proc.stderr == (f"surveykit: error: Cannot write the scores file {tmp_path / 's.csv'}: a file would exceed "
                           "the file-size limit (File too large); raise the limit (ulimit -f); no partial file was "
                           "left.\n")
    assert sorted(os.listdir(tmp_path)) == before
