"""The end-to-end pipeline on the shipped demo (simulated) survey."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import surveykit as sk
from surveykit.analysis import compare_report
from surveykit.resampling import load_population
from surveykit.results import SIGNIFICANT_DIGITS

ROOT = Path(__file__).resolve().parents[2]
# the results record holds floats at SIGNIFICANT_DIGITS: relative rounding error below this
RECORD = 10.0 ** (1 - SIGNIFICANT_DIGITS)


@pytest.fixture(scope="module")
def demo(demo_result):
    return demo_result


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
    r = demo.record
    assert r.analysis.simulated is True
    assert r.data.n_rows == 600
    assert "SIMULATED" in r.data.file_label
    sc = r.screening
    assert sc.n_before == 600 and 0 < sc.n_excluded < 60
    assert {x.rule for x in sc.rules} == {"longstring", "speed"}
    assert all(x.flagged > 0 for x in sc.rules)
    assert sum(sum(v.values()) for v in r.data.missing_codes.values()) > 0
    assert [c.code for c in r.instrument.constructs] == ["IDE", "ORG", "CAP", "STY", "INT", "INS", "MEC", "EXE"]


def test_reliability_for_every_construct(demo):
    rel = {x.name: x for x in demo.record.reliability}
    assert set(rel) == {"IDE", "ORG", "CAP", "STY", "INT", "INS", "MEC", "EXE"}
    for code, x in rel.items():
        # the population loadings (.58-.82 on five items) imply alpha of about .80-.85
        assert 0.70 < x.alpha < 0.92, code
        assert x.alpha_ci[0] < x.alpha < x.alpha_ci[1]
        assert 0.70 < x.omega_total < 0.93, code
        # the same numbers as the public function on the same keyed items
        same = sk.reliability(demo.data.items(code), name=code)
        assert x.alpha == pytest.approx(same.alpha, rel=RECORD)


def test_cfa_fit_is_reported_in_lavaan_vocabulary(demo):
    m = demo.record.measurement
    f = m.fit_measures
    assert m.converged
    assert f.df == 42 * 43 / 2 - (42 + 34 + 8 + 28)
    assert f.rmsea_ci_lower <= f.rmsea <= f.rmsea_ci_upper
    assert f.cfi > 0.95 and f.srmr < 0.05  # the population model holds exactly
    assert len(m.rows("=~")) == 42


def test_structural_paths_recover_the_population(demo):
    pop = load_population(sk.datasets.demo_population_path())
    s = demo.record.structural
    paths = {f"{p.lhs}~{p.rhs}": p for p in s.rows("~")}
    from surveykit.resampling.simulate import population_paths

    for y, x, true in population_paths(pop):
        p = paths[f"{y}~{x}"]
        se_std = p.se * abs(p.std_all / p.est)
        assert abs(p.std_all - true) < 3.5 * se_std, (y, x, p.std_all, true)
        assert p.se > 0 and 0 <= p.pvalue <= 1 and p.ci_lower < p.est < p.ci_upper
    defined = {d.lhs: d for d in s.rows(":=")}
    ind = defined["ind_IDE_STY_EXE"]
    assert ind.est == pytest.approx(paths["STY~IDE"].est * paths["EXE~STY"].est, rel=3 * RECORD)


def test_hypotheses_h1_to_h6(demo):
    hyps = {h.id: h for h in demo.record.hypotheses}
    assert list(hyps) == ["H1", "H2", "H3", "H4", "H5", "H6", "H7", "H8"]  # H7, H8: PROCESS, tested below
    for hid in ("H1", "H2", "H3", "H4"):
        h = hyps[hid]
        assert h.method == "Wald z"
        assert h.supported == (h.est > 0 and h.pvalue < 0.05)
    # the mediations are judged by their bootstrap interval (温忠麟 & 叶宝娟 2014)
    med = {p.lhs: p for p, _, _ in demo.record.mediation.defined()}
    for hid in ("H5", "H6"):
        h = hyps[hid]
        assert h.method == "bootstrap bc CI"
        e = med[h.target.split(" :=")[0]]
        assert (h.ci_lower, h.ci_upper) == (e.ci_lower, e.ci_upper)
        assert h.supported == (h.est > 0 and h.ci_lower > 0)
        assert h.text.zh and h.text.en
    # the mediations are strong in the population and detected at this N
    assert hyps["H5"].supported and hyps["H6"].supported


def test_mediation_bootstrap(demo):
    m = demo.record.mediation
    assert m.n_boot == 1000 and m.ci == "bc" and m.rng_seed == 20261126 and m.n_failed == 0
    p, std, decision = next(e for e in m.defined() if e[0].lhs == "ind_IDE_STY_EXE")
    # a partial mediation: IDE also acts on EXE directly
    assert decision["decision"] == "partial" and "部分中介" in decision["decision_zh"]
    assert 0 < decision["effect_ratio"] < 1
    assert p.ci_lower < p.est < p.ci_upper
    assert std.ci_lower < std.est_std < std.ci_upper
    ide = {"ci_lower": p.ci_lower, "ci_upper": p.ci_upper}
    # members are nested in branches: a cluster bootstrap (60 branches resampled) of the unweighted ML model
    assert (m.cluster, m.n_clusters) == ("branch_id", 60)
    # the same draws as the public function with the same seed, whatever the number of jobs
    keyed = demo.data.keyed()
    with pytest.warns(sk.errors.MissingDataWarning, match="49 of 576 rows"):
        plain = sk.sem(demo.structural.model_syntax, keyed)
    b = sk.bootstrap(plain, n_boot=1000, ci="bc", rng=20261126, jobs=1, progress=False, cluster="branch_id",
                     data=keyed)
    row = b.parameter_estimates().query("lhs == 'ind_IDE_STY_EXE'").iloc[0]
    assert row.ci_lower == pytest.approx(ide["ci_lower"], rel=RECORD)
    assert row.ci_upper == pytest.approx(ide["ci_upper"], rel=RECORD)


def test_psychometrics_validity_cmb_and_invariance_sections(demo):
    r = demo.record
    ps = r.psychometrics
    assert 0.6 < ps.kmo.msa <= 1 and ps.bartlett.pvalue < 1e-10
    # eight constructs in the population: parallel analysis finds them
    assert ps.parallel_analysis.n_factors == 8
    assert ps.efa.n_factors == 8 and len(ps.efa.loadings) == 42 and len(ps.efa.factors) == 8
    assert 0 < ps.harman.first_factor_share < 0.4 and ps.harman.n_eigenvalues_above_1 >= 1
    items = {(x.name, it.item) for x in r.item_analysis for it in x.items}
    assert len(items) == 42 and all(it.cr_t is not None for x in r.item_analysis for it in x.items)
    v = {x.factor: x for x in r.measurement.validity.table}
    same = sk.validity(demo.measurement).table
    for code, row in v.items():
        assert row.cr == pytest.approx(same.loc[code, "cr"], rel=RECORD)
        assert row.ave == pytest.approx(same.loc[code, "ave"], rel=RECORD)
    assert len(r.measurement.validity.htmt) == 8
    assert r.measurement.poor_fit is False and r.measurement.modindices is None
    # the demo declares clusters: the model-based CMB checks are not run, and the report says why
    assert r.cmb.single_factor is None and r.cmb.ulmc is None
    assert any(w.stage == "cmb" and "model-based common-method checks" in w.message for w in r.warnings)
    inv = r.invariance
    assert inv.group == "region"
    assert [lv.level for lv in inv.table] == ["configural", "metric", "scalar", "strict"]
    # the simulated population is the same in both regions: every level holds
    assert all(lv.holds for lv in inv.table)
    assert all(sum(d.distribution.values()) == d.n for d in r.descriptives)


def test_report_folder_and_the_committed_demo_report(demo, tmp_path):
    """The committed reports/demo/ reproduces: the same comparison as `surveykit verify` (results.json
    byte-identical, or its numbers within their declared tolerances on another CPU's BLAS kernel;
    every report file the rendering of results.json), and the folder holds the same files."""
    written = demo.write(tmp_path / "a")
    names = sorted(p.name for p in written)
    assert names == ["manifest.json", "report.docx", "report.html", "report.md", "results.json"]
    committed = ROOT / "reports" / "demo"
    ours = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    assert ours == theirs
    check = compare_report(committed, demo.results, demo.manifest)
    assert check.ok, "\n".join(check.lines())
    assert len(check.files) == len(ours) - 2  # every file but results.json and manifest.json
    html = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        assert "思想建设" in text and "执行力" in text and "模拟数据" in text
        assert "IDE → STY → EXE" in text and "ind_IDE_STY_EXE" not in text and "RMSEA" in text
    assert "<script" not in html and "http://" not in html and "https://" not in html
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    data_path = sk.datasets.demo_path("sav")
    assert manifest["inputs"]["data"]["sha256"] == hashlib.sha256(data_path.read_bytes()).hexdigest()
    assert manifest["spec"]["sha256"] == hashlib.sha256(sk.datasets.demo_spec_path().read_bytes()).hexdigest()
    assert manifest["seed"] == 20261126
    assert manifest["versions"]["surveykit"] == sk.__version__
    assert manifest["environment"]["cpu"] and {"library", "version", "kernel", "threads"} <= set(
        manifest["environment"]["blas"][0])
    assert manifest["inputs"]["data"]["shipped"] == "demo/demo_survey.sav"
    assert str(ROOT) not in json.dumps(manifest) and manifest["inputs"]["data"]["file"] == "demo/demo_survey.sav"


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


def test_power_study_from_the_spec(tmp_path):
    """A spec's power block runs a Monte Carlo study and the report draws the power curve."""
    from ..conftest import write_light_spec

    spec = write_light_spec(tmp_path, power={
        "population": "m ~ 0.4*x\ny ~ 0.4*m + 0.0*x", "model": "m ~ a*x\ny ~ b*m + c*x\nab := a*b",
        "n": [60, 240], "reps": 40, "jobs": 1}, structural=None, cmb={"single_factor": False, "ulmc": False},
        psychometrics={"enabled": False})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.errors.SurveykitWarning)
        res = sk.analyze(spec)
    pw = res.record.power
    curves = {(c.parameter, c.n): c.model_dump() for c in pw.table}
    assert pw.reps == 40 and pw.rng_seed == 20261126
    assert all(c["power_ci_lower"] <= c["power"] <= c["power_ci_upper"] for c in curves.values())
    # a strong path gains power with N; the null direct effect stays near alpha
    a = [k for k in curves if k[0].startswith("m~x") or k[0] == "a"][0][0]
    assert curves[(a, 240)]["power"] >= curves[(a, 60)]["power"] and curves[(a, 240)]["power"] > 0.9
    written = res.write(tmp_path / "out", formats=("md",))
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "power" in md.lower() or "功效" in md
    assert any(p.name.startswith("power") for p in (tmp_path / "out" / "figures").iterdir())
    assert written


# -- H7, H8: the moderation planted in the population ----------------------------------------------------------
@pytest.fixture(scope="module")
def population_scores(tmp_path_factory):
    """The value the demo's PROCESS estimates converge to: the same analysis (screening, keyed item
    means, centring) on 30,000 respondents drawn from analyses/demo_population.yaml.  The population
    states the interaction on the standardized latent constructs ('EXE ~ STY:MEC': 0.15, recovered
    on the latent scores in tests/resampling/test_simulate.py); on item means of five-point answers
    it is attenuated by measurement error and categorization and carries the scores' units, so the
    demo's interval is compared with this value, computed from the population, not estimated from
    the demo."""
    from surveykit.analysis import stages as st
    from surveykit.analysis.commands import simulate_survey
    from surveykit.analysis.spec import load_spec

    out = simulate_survey(ROOT / "analyses" / "demo_population.yaml",
                          tmp_path_factory.mktemp("population") / "big.sav", n=30_000, seed=1)
    spec, _ = load_spec(ROOT / "analyses" / "demo.yaml", data=out[0])
    _, data, _ = st.read(spec)
    _, sample, _ = st.screening(spec, data)
    kw = dict(center=True, n_boot=0)
    mod = sk.process(sample.data, model=1, x="STY", w="MEC", y="EXE", covariates=["IDE", "ORG"], **kw)
    med = sk.process(sample.data, model=14, x="IDE", m="STY", w="MEC", y="EXE", covariates=["ORG"], **kw)
    coef = mod.coefficients().set_index("term")
    return coef.loc["STY:MEC", "est"], med.index_of_moderated_mediation()["index"].iloc[0]


def test_moderation_hypotheses_recover_the_population_value(demo, population_scores):
    pop = load_population(sk.datasets.demo_population_path())
    assert pop.latent.interactions == {"EXE ~ STY:MEC": 0.15}
    b3, index = population_scores
    hyps = {h.id: h for h in demo.record.hypotheses}
    tests = {t.id: t for t in demo.record.process}
    assert [h.kind for h in (hyps["H7"], hyps["H8"])] == ["moderation", "moderated_mediation"]
    h7 = hyps["H7"]
    assert h7.ci_lower < b3 < h7.ci_upper, (h7.ci_lower, b3, h7.ci_upper)
    hayes = tests["H8"].decisions["hayes-2015"][0]
    assert hayes.step == "index" and hayes.ci_lower < index < hayes.ci_upper, (hayes, index)
    assert h7.supported and hyps["H8"].supported and tests["H8"].procedure == "wen-ye-2014"
    run = tests["H8"].run
    assert (run.model, run.n_boot, run.n, run.rng_seed) == (14, 5000, demo.record.screening.n_after, 20261126)


@pytest.mark.parametrize("lang, texts", [
    ("zh", ["调节效应与有调节的中介（PROCESS）", "MEC 调节了 STY 对 EXE 的影响",
            "有调节的中介模型成立（温忠麟, 叶宝娟, 2014）", "Johnson–Neyman 法",
            "温忠麟, 叶宝娟. (2014). 有调节的中介模型检验方法"]),
    ("en", ["Moderation and moderated mediation (PROCESS)", "MEC moderates the effect of STY on EXE",
            "is moderated by MEC (Wen & Ye, 2014)", "Hayes, A. F. (2015). An index and test of linear moderated",
            "Johnson–Neyman: the effect STY → EXE is significant"]),
])
def test_report_writes_the_moderation_decisions(demo, tmp_path, lang, texts):
    demo.write(tmp_path, lang=lang, formats=("md",))
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    for text in texts:
        assert text in md, text
    for fig in ("process-H7-slopes", "process-H7-jn-STY-EXE", "process-H8-jn-STY-EXE", "process-H8-indirect"):
        assert (tmp_path / "figures" / f"{fig}.svg").exists() and f"figures/{fig}.png" in md
