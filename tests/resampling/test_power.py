"""Monte Carlo power: power near 1 for a large effect, the type I error rate and coverage near their
nominal values within Monte Carlo error, reproducibility, the pseudo-true values, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from surveykit.cli.app import app
from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.resampling import PowerResult, population_model, power

MODEL = "m ~ a*x\ny ~ b*m + c*x\nab := a*b"
POP = "m ~ 0.5*x\ny ~ 0.0*m + 0.3*x"  # a large, b null: ab is null too
REPS = 800


@pytest.fixture(scope="module")
def res():
    return power(MODEL, POP, n=[150], reps=REPS, rng=20261126, standardized=True, jobs=1)


def _row(r, name, n=150):
    t = r.table
    return t[(t["parameter"] == name) & (t["n"] == n)].iloc[0]


def test_power_matches_the_analytic_power_of_the_wald_test(res):
    assert _row(res, "m~x")["power"] == 1.0  # z about 7
    # y ~ x controlling for m: se = sqrt((1 - R2_y) / (n (1 - r_xm^2))) = sqrt(0.91 / (150 * 0.75))
    z = 0.3 / np.sqrt(0.91 / (150 * 0.75))
    analytic = stats.norm.cdf(z - 1.96) + stats.norm.cdf(-z - 1.96)
    r = _row(res, "y~x")
    assert abs(r["power"] - analytic) < 4 * np.sqrt(analytic * (1 - analytic) / REPS)
    assert r["power_mcse"] == pytest.approx(np.sqrt(r["power"] * (1 - r["power"]) / REPS))


def test_null_effect_is_rejected_at_about_alpha(res):
    mcse = np.sqrt(0.05 * 0.95 / REPS)
    b = _row(res, "y~m")
    assert b["true"] == 0.0 and np.isnan(b["rel_bias"])
    assert abs(b["power"] - 0.05) < 4 * mcse
    # the delta-method test of a*b with b = 0 (and a large) is close to a z test of b
    assert abs(_row(res, "ab")["power"] - 0.05) < 4 * mcse


def test_coverage_is_near_95_percent_and_estimates_are_unbiased(res):
    mcse = np.sqrt(0.95 * 0.05 / REPS)
    for name in ("m~x", "y~m", "y~x", "ab"):
        r = _row(res, name)
        assert abs(r["coverage"] - 0.95) < 4 * mcse, name
        assert abs(r["bias"]) < 4 * r["sd_est"] / np.sqrt(REPS), name
        assert r["mean_se"] == pytest.approx(r["sd_est"], rel=0.15), name
    assert (res.table["n_converged"] == REPS).all()


def test_true_values_are_the_population_values(res):
    t = res.table.set_index("parameter")["true"]
    assert t["m~x"] == pytest.approx(0.5, abs=1e-10) and t["y~x"] == pytest.approx(0.3, abs=1e-10)


def test_true_values_follow_the_analysis_models_identification():
    """A marker loading rescales the factor: the true structural path is b * lambda_x / lambda_y."""
    pop = "f =~ 0.8*y1 + 0.7*y2 + 0.6*y3\ng =~ 0.5*y4 + 0.7*y5 + 0.7*y6\ng ~ 0.4*f"
    model = "f =~ y1 + y2 + y3\ng =~ y4 + y5 + y6\ng ~ f"
    r = power(model, pop, n=[300], reps=4, rng=1, standardized=True, jobs=1, parameters="all")
    t = r.table.set_index("parameter")["true"]
    assert t["g~f"] == pytest.approx(0.4 * 0.5 / 0.8, abs=1e-8)
    assert t["f=~y2"] == pytest.approx(0.7 / 0.8, abs=1e-8)


def test_same_seed_same_result_for_any_jobs_and_per_sample_size():
    kw = dict(rng=7, standardized=True, reps=60)
    a = power(MODEL, POP, n=[80, 120], jobs=1, **kw)
    b = power(MODEL, POP, n=[80, 120], jobs=2, batch_size=7, **kw)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert np.array_equal(a._est, b._est, equal_nan=True)
    only = power(MODEL, POP, n=[120], jobs=1, **kw)
    pd.testing.assert_frame_equal(only.table.reset_index(drop=True),
                                  a.table[a.table["n"] == 120].reset_index(drop=True))
    pd.testing.assert_frame_equal(a.estimates(120), only.estimates(120))


def test_ordinal_and_missing_conditions():
    r = power(MODEL, POP, n=[200], reps=40, rng=3, standardized=True, jobs=1, ordinal=5, missing=0.05)
    conv = r.convergence.iloc[0]
    assert conv["n_converged"] == 40
    # 5% MCAR per cell over 3 variables: about 0.95^3 of the rows stay (listwise)
    assert conv["mean_n_used"] == pytest.approx(200 * 0.95**3, rel=0.05)
    # categorizing attenuates the slopes: mean estimates fall below the continuous truth
    assert _row(r, "m~x", 200)["mean_est"] < 0.5


def test_result_api(res):
    assert isinstance(res, PowerResult)
    cols = ["n", "parameter", "true", "mean_est", "bias", "rel_bias", "power", "coverage", "n_converged"]
    assert set(cols) <= set(res.table.columns)
    assert res.power_by_n().index.tolist() == ["m~x", "y~m", "y~x", "ab"]
    json.dumps(res.to_dict(), allow_nan=False)
    assert "Monte Carlo power" in str(res) and repr(res).startswith("<PowerResult n=[150]")
    assert res.rng_seed == 20261126 and res.n == (150,)
    with pytest.raises(SpecError, match="was not simulated"):
        res.estimates(999)


@pytest.mark.parametrize(
    ("kw", "err", "match"),
    [({"n": []}, SpecError, "sample size"), ({"n": [1]}, SpecError, "at least 2"), ({"reps": 0}, SpecError, "reps"),
     ({"alpha": 5}, SpecError, "alpha"), ({"parameters": "x"}, SpecError, "parameters"),
     ({"model": "y ~ z"}, SpecError, "does not generate"),
     ({"population": "m ~ x"}, ModelSpecificationError, "has no value")],
)
def test_bad_arguments(kw, err, match):
    args = {"model": MODEL, "population": POP, "n": [50], "reps": 2, "rng": 1, "jobs": 1, **kw}
    with pytest.raises(err, match=match):
        power(args.pop("model"), args.pop("population"), **args)


def test_population_model_object_is_accepted():
    pop = population_model(POP, standardized=True)
    a = power(MODEL, pop, n=[60], reps=5, rng=2, jobs=1)
    b = power(MODEL, POP, n=[60], reps=5, rng=2, jobs=1, standardized=True)
    pd.testing.assert_frame_equal(a.table, b.table)


SPEC = """\
population: |
  m ~ 0.5*x
  y ~ 0.0*m + 0.3*x
standardized: true
model: |
  m ~ a*x
  y ~ b*m + c*x
  ab := a*b
n: [60, 90]
reps: 20
seed: 11
"""


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "surveykit", "power", *map(str, args)], capture_output=True,
                          text=True, timeout=300)


def test_cli_power(tmp_path):
    spec = tmp_path / "power.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "out" / "power.csv"
    proc = _cli(spec, "--n", "60,90", "--reps", "20", "--jobs", "1", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out) and proc.stderr == ""
    table = pd.read_csv(out, keep_default_na=False, na_values=[""])
    expected = power(MODEL, POP, n=[60, 90], reps=20, rng=11, standardized=True, jobs=1).table
    assert table["power"].tolist() == expected["power"].tolist()


def test_cli_power_in_process(tmp_path):
    spec = tmp_path / "power.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    runner = CliRunner()
    got = runner.invoke(app, ["power", str(spec), "--reps", "5", "--jobs", "1"])
    assert got.exit_code == 0 and "Monte Carlo power (5 replications" in got.stdout
    got = runner.invoke(app, ["power", str(spec), "--n", "6x", "--jobs", "1"])
    assert got.exit_code == 2 and "--n '6x'" in got.stderr
    got = runner.invoke(app, ["power", str(spec), "--out", str(tmp_path / "a.txt")])
    assert got.exit_code == 2 and "must end in .csv or .json" in got.stderr
    out = tmp_path / "p.json"
    got = runner.invoke(app, ["power", str(spec), "--reps", "3", "--jobs", "1", "--out", str(out)])
    assert got.exit_code == 0 and json.loads(out.read_text(encoding="utf-8"))["reps"] == 3
    bad = tmp_path / "bad.yaml"
    bad.write_text("population: 'm ~ 0.5*x'\nmodel: 'm ~ x'\nreps: 0\n", encoding="utf-8")
    got = runner.invoke(app, ["power", str(bad)])
    assert got.exit_code == 2 and "key 'reps'" in got.stderr
