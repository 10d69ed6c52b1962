"""The end-to-end pipeline on the shipped demo (simulated) survey."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import surveykit as sk
from surveykit.resampling import load_population

ROOT = Path(__file__).resolve().parents[2]


def run_demo(**kwargs):
    # the demo has a few declared missing codes: listwise deletion is reported as a warning
    with pytest.warns(sk.errors.MissingDataWarning, match="rows had missing values"):
        return sk.analyze(**kwargs)


@pytest.fixture(scope="module")
def demo():
    return run_demo()


def test_demo_spec_copies_agree():
    top = (ROOT / "analyses" / "demo.yaml").read_text(encoding="utf-8").splitlines()
    pkg = sk.datasets.demo_spec_path().read_text(encoding="utf-8").splitlines()
    differ = [(a, b) for a, b in zip(top, pkg) if a != b]
    assert len(top) == len(pkg)
    assert [a.split(":")[0] for a, _ in differ] == ["data", "instrument"]
    top_pop = (ROOT / "analyses" / "demo_population.yaml").read_text(encoding="utf-8").splitlines()
    pkg_pop = sk.datasets.demo_population_path().read_text(encoding="utf-8").splitlines()
    assert [a.split(":")[0] for a, b in zip(top_pop, pkg_pop) if a != b] == ["instrument"]


def test_structure_and_sample(demo):
    r = demo.results
    assert r["analysis"]["simulated"] is True
    assert r["data"]["n_rows"] == 600
    assert "SIMULATED" in r["data"]["file_label"]
    sc = r["screening"]
    assert sc["n_before"] == 600 and 0 < sc["n_excluded"] < 60
    assert {x["rule"] for x in sc["rules"]} == {"longstring", "speed"}
    assert all(x["flagged"] > 0 for x in sc["rules"])
    assert sum(sum(v.values()) for v in r["data"]["missing_codes"].values()) > 0
    assert [c["code"] for c in r["instrument"]["constructs"]] == ["IDE", "ORG", "CAP", "STY", "INT", "INS", "MEC",
                                                                  "EXE"]


def test_reliability_for_every_construct(demo):
    rel = {x["construct"]: x for x in demo.results["reliability"]}
    assert set(rel) == {"IDE", "ORG", "CAP", "STY", "INT", "INS", "MEC", "EXE"}
    for code, x in rel.items():
        # the population loadings (.58-.82 on five items) imply alpha of about .80-.85
        assert 0.70 < x["alpha"] < 0.92, code
        assert x["alpha_ci_lower"] < x["alpha"] < x["alpha_ci_upper"]
        assert 0.70 < x["omega_total"] < 0.93, code
        # the same numbers as the public function on the same keyed items
        same = sk.reliability(demo.data.items(code), name=code)
        assert x["alpha"] == pytest.approx(same.alpha, rel=1e-12)


def test_cfa_fit_is_reported_in_lavaan_vocabulary(demo):
    m = demo.results["measurement"]
    f = m["fit"]
    assert m["converged"]
    assert f["df"] == 42 * 43 / 2 - (42 + 34 + 8 + 28)
    for key in ("chisq", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr", "aic", "bic"):
        assert key in f
    assert f["rmsea_ci_lower"] <= f["rmsea"] <= f["rmsea_ci_upper"]
    assert f["cfi"] > 0.95 and f["srmr"] < 0.05  # the population model holds exactly
    assert len(m["loadings"]) == 42


def test_structural_paths_recover_the_population(demo):
    pop = load_population(sk.datasets.demo_population_path())
    s = demo.results["structural"]
    paths = {f"{p['lhs']}~{p['rhs']}": p for p in s["paths"]}
    from surveykit.resampling.simulate import population_paths

    for y, x, true in population_paths(pop):
        p = paths[f"{y}~{x}"]
        se_std = p["se"] * abs(p["std_all"] / p["est"])
        assert abs(p["std_all"] - true) < 3.5 * se_std, (y, x, p["std_all"], true)
        assert p["se"] > 0 and 0 <= p["pvalue"] <= 1 and p["ci_lower"] < p["est"] < p["ci_upper"]
    defined = {d["lhs"]: d for d in s["defined"]}
    ind = defined["ind_IDE_STY_EXE"]
    assert ind["est"] == pytest.approx(paths["STY~IDE"]["est"] * paths["EXE~STY"]["est"], rel=1e-12)


def test_hypotheses_h1_to_h6(demo):
    hyps = {h["id"]: h for h in demo.results["hypotheses"]}
    assert list(hyps) == ["H1", "H2", "H3", "H4", "H5", "H6"]
    for h in hyps.values():
        assert h["supported"] == (h["est"] > 0 and h["pvalue"] < 0.05)
        assert h["text"]["zh"] and h["text"]["en"]
    # the mediations are strong in the population and detected at this N
    assert hyps["H5"]["supported"] and hyps["H6"]["supported"]
    assert hyps["H5"]["method"] == "Wald z (delta method)"


def test_report_folder_and_byte_identical_rerun(demo, tmp_path):
    first = demo.write(tmp_path / "a")
    run_demo().write(tmp_path / "b")
    names = sorted(p.name for p in first)
    assert names == ["manifest.json", "report.html", "report.md", "results.json"]
    for name in ("results.json", "report.md", "report.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    html = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        assert "思想建设" in text and "执行力" in text and "模拟数据" in text
        assert "ind_IDE_STY_EXE" in text and "RMSEA" in text
    assert "<script" not in html and "http://" not in html and "https://" not in html
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    data_path = sk.datasets.demo_path("sav")
    assert manifest["inputs"]["data"]["sha256"] == hashlib.sha256(data_path.read_bytes()).hexdigest()
    assert manifest["spec"]["sha256"] == hashlib.sha256(sk.datasets.demo_spec_path().read_bytes()).hexdigest()
    assert manifest["seed"] == 20261126
    assert manifest["versions"]["surveykit"] == sk.__version__
    results = json.loads((tmp_path / "a" / "results.json").read_text(encoding="utf-8"))
    assert results["structural"]["paths"][0]["est"] == demo.results["structural"]["paths"][0]["est"]


def test_english_report(demo, tmp_path):
    demo.write(tmp_path, lang="en", formats=("md",))
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "SIMULATED DATA" in md and "Hypotheses" in md and "Supported" in md


def test_html_escapes_item_text(demo, tmp_path):
    import copy

    from surveykit.report import render_html

    res = copy.deepcopy(demo.results)
    res["instrument"]["constructs"][0]["items"][0]["text"]["zh"] = "<script>alert(1)</script>"
    html = render_html(res, "zh")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_lavaan_reference_sample_is_the_demo_analysis_sample(demo):
    """tests/reference/data/demo_keyed.csv (fitted by lavaan) is exactly this pipeline's sample."""
    import numpy as np
    import pandas as pd

    ref = pd.read_csv(ROOT / "tests" / "reference" / "data" / "demo_keyed.csv")
    ours = demo.data.keyed()[demo.data.item_ids()]
    assert list(ref.columns) == list(ours.columns)
    np.testing.assert_array_equal(ref.to_numpy(), ours.to_numpy())
