"""The `surveykit` command: exit codes, messages, outputs; inputs never modified."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import surveykit as sk
from surveykit.report.schema import read_results

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=None):
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-m", "surveykit", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=600)


def sha(p: Path) -> str:
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def test_analyze_without_argument_runs_the_demo_from_any_directory(tmp_path):
    before = sha(sk.datasets.demo_path("sav"))
    proc = run("analyze", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "reports" / "demo"
    written = proc.stdout.split()
    assert sorted(Path(p).name for p in written) == ["manifest.json", "report.docx", "report.html", "report.md",
                                                     "results.json"]
    assert (out / "report.html").exists()
    assert proc.stderr == ""  # warnings and progress only on a terminal
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["command"] == "surveykit analyze"
    assert sha(sk.datasets.demo_path("sav")) == before


def test_analyze_twice_gives_identical_results(tmp_path, light_spec):
    assert run("analyze", light_spec, "--out", tmp_path / "a").returncode == 0
    assert run("analyze", light_spec, "--out", tmp_path / "b").returncode == 0
    for name in ("results.json", "report.md", "report.html", "report.docx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_analyze_overrides_data_with_csv(tmp_path, light_spec, demo_result):
    proc = run("analyze", light_spec, "--data", sk.datasets.demo_path("csv"), "--out", tmp_path / "out", "--lang", "en",
               "--table-style", "apa")
    assert proc.returncode == 0, proc.stderr
    r = read_results(tmp_path / "out" / "results.json")
    assert r.data.file == "demo_survey.csv"
    # the csv carries the same answers as the sav: the same sample and estimates
    ref = demo_result.record
    assert r.screening.n_after == ref.screening.n_after
    # the same numbers from two file formats; only the order of floating-point sums may differ
    assert r.structural.rows("~")[0].est == pytest.approx(ref.structural.rows("~")[0].est, rel=1e-9)
    man = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert man["report"]["lang"] == "en" and man["report"]["table_style"] == "apa"


def test_bad_option_values_are_exit_2(light_spec, tmp_path):
    proc = run("analyze", light_spec, "--lang", "fr", "--out", tmp_path / "o")
    assert proc.returncode == 2 and "--lang 'fr' is not one of zh, en" in proc.stderr


def test_missing_spec_is_exit_2_with_one_sentence(tmp_path):
    proc = run("analyze", tmp_path / "nope.yaml")
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("surveykit: error: Spec file")
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_bad_spec_key_names_the_key(tmp_path):
    spec = (ROOT / "analyses" / "demo.yaml").read_text(encoding="utf-8").replace("lang: zh", "lang: fr")
    p = tmp_path / "s.yaml"
    p.write_text(spec.replace("../", str(ROOT) + "/"), encoding="utf-8")
    before = sha(p)
    proc = run("analyze", p, "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "key 'report.lang'" in proc.stderr and "Traceback" not in proc.stderr
    assert sha(p) == before
    assert not (tmp_path / "out").exists()


def test_a_process_model_not_offered_is_exit_2_naming_the_offered_ones(tmp_path):
    spec = (ROOT / "analyses" / "demo.yaml").read_text(encoding="utf-8")
    spec = spec.replace("      model: 14\n", "      model: 12\n")
    p = tmp_path / "s.yaml"
    p.write_text(spec.replace("../", str(ROOT) + "/"), encoding="utf-8")
    proc = run("analyze", p, "--out", tmp_path / "out")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "hypothesis H8: PROCESS model 12 is not offered; a moderated mediation is one of the models 7, 8, 9, " \
           "14, 15, 21, 58, 59" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_debug_shows_traceback(tmp_path):
    proc = run("--debug", "analyze", tmp_path / "nope.yaml")
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_out_of_range_codes_block_analysis_and_validate_exits_1(tmp_path):
    import pandas as pd

    frame = pd.read_csv(sk.datasets.demo_path("csv"))
    frame.loc[[3, 10], "ide_3"] = 0
    frame.loc[5, "exe_1"] = 99
    data = tmp_path / "bad.csv"
    frame.to_csv(data, index=False)
    before = sha(data)
    proc = run("analyze", "--data", data, "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "Item 'ide_3' has values outside its scale 1-5: 0 (2 rows)" in proc.stderr
    assert "data row(s) 4, 11" in proc.stderr
    v = run("validate", data, "--instrument", sk.datasets.demo_instrument_path(), "--format", "json")
    assert v.returncode == 1
    report = json.loads(v.stdout)
    kinds = {(p["kind"], p["column"]) for p in report["problems"]}
    assert ("out_of_range", "ide_3") in kinds and ("out_of_range", "exe_1") in kinds
    assert sha(data) == before


def test_validate_demo_is_ok():
    v = run("validate", sk.datasets.demo_path("sav"), "--instrument", sk.datasets.demo_instrument_path())
    assert v.returncode == 0, v.stdout + v.stderr
    assert "can be analysed" in v.stdout


def test_simulate_writes_labelled_sav_and_csv(tmp_path):
    from surveykit.io import read_file

    out = tmp_path / "sim.sav"
    # the demo's members sit in 60 branches of at least 3: fewer than 180 respondents cannot fill them
    proc = run("simulate", sk.datasets.demo_population_path(), "--out", out, "--n", 120, "--seed", 3)
    assert proc.returncode == 2 and not out.exists()
    assert proc.stderr == ("surveykit: error: n = 120 respondents cannot fill 60 clusters of at least 3; raise n or "
                           "lower clusters.n or clusters.min_size.\n")
    proc = run("simulate", sk.datasets.demo_population_path(), "--out", out, "--n", 180, "--seed", 3)
    assert proc.returncode == 0, proc.stderr
    raw = read_file(out)
    md = raw.metadata
    assert "SIMULATED" in md.file_label
    assert md.variables["ide_1"].label.startswith("本党组织")
    assert md.variables["ide_1"].value_labels[1] == "非常不同意"
    assert set(md.variables["ide_1"].missing_values) == {8, 9}
    assert len(raw.frame) == 180 and raw.frame["branch_id"].nunique() == 60
    csv = read_file(tmp_path / "sim.csv")
    assert list(csv.frame.columns) == list(raw.frame.columns)
    assert (csv.frame.to_numpy() == raw.frame.to_numpy()).all()


def test_shipped_demo_is_what_simulate_writes(tmp_path):
    """The shipped demo survey regenerates exactly from its population model and seed."""
    from surveykit.io import read_file

    out = tmp_path / "demo_survey.sav"
    proc = run("simulate", sk.datasets.demo_population_path(), "--out", out)
    assert proc.returncode == 0, proc.stderr
    new, shipped = read_file(out), read_file(sk.datasets.demo_path("sav"))
    assert new.frame.equals(shipped.frame)
    assert new.metadata.file_label == shipped.metadata.file_label
    assert (tmp_path / "demo_survey.csv").read_bytes() == sk.datasets.demo_path("csv").read_bytes()
