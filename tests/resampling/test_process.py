"""PROCESS models on observed scores against R (lm, sandwich::vcovHC, rockchalk, an lm bootstrap loop).

Reference: tests/reference/lavaan/process.json from tests/reference/make_process_reference.R on
tests/reference/data/process.csv (simulated, N = 300).  Closed forms (coefficients, SEs of every
HC type, R2, F tests, conditional effects, Johnson-Neyman points, indirect effects and indices)
agree to 1e-8 relative; the bootstrap agrees within Monte Carlo error (see the test for the bound).
pyprocessmacro 2.2 (test extra) is a second opinion on the same data, to the same tolerances.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit._core.ols import hc_covariance
from surveykit._core.rng import stream
from surveykit.errors import DataError, MissingDataWarning, SpecError
from surveykit.resampling.intervals import norm_inter
from tests.conftest import REF, load_ref

RTOL = 1e-8
ATOL = 1e-12
TYPES = ["ordinary", "HC0", "HC1", "HC2", "HC3", "HC4"]
R = load_ref("process")
CASES = R["cases"]
DATA = pd.read_csv(REF / "data" / "process.csv")


def _args(case: str) -> dict:
    a = dict(CASES[case]["args"])
    return {k: v for k, v in a.items() if v is not None}


@cache
def _fit(case: str, hc: str):
    return sk.process(DATA, **_args(case), hc=None if hc == "ordinary" else hc, n_boot=0)


def _canon(term: str) -> str:
    return "constant" if term == "(Intercept)" else ":".join(sorted(term.split(":")))


def _close(actual, desired, what):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(desired, dtype=float), rtol=RTOL,
                               atol=ATOL, err_msg=what)


def _shown(at: dict, role_names: dict) -> tuple:
    return tuple(at.get(role_names[r]) for r in ("w", "z"))


@pytest.mark.parametrize("hc", TYPES)
@pytest.mark.parametrize("case", list(CASES))
def test_equations_match_lm_and_sandwich(case, hc):
    res = _fit(case, hc)
    coef = res.coefficients()
    ms = res.model_summary().set_index("equation")
    r2c = res.r_squared_change()
    for eq in CASES[case]["equations"]:
        label = eq["label"]
        mine = coef[coef["equation"] == label].assign(key=lambda d: d["term"].map(_canon)).set_index("key")
        keys = [_canon(t) for t in eq["terms"]]
        assert sorted(mine.index) == sorted(keys), (case, label)
        _close(mine.loc[keys, "est"], eq["est"], f"{case} {label} est")
        _close(mine.loc[keys, "se"], eq["se"][hc], f"{case} {label} se {hc}")
        _close(ms.loc[label, "r_squared"], eq["r2"], f"{case} {label} R2")
        _close(ms.loc[label, "mse"], eq["mse"], f"{case} {label} MSE")
        f, df1, df2, p = eq["f"][hc]
        _close(ms.loc[label, ["f", "df1", "df2", "pvalue"]].to_numpy(dtype=float), [f, df1, df2, p],
               f"{case} {label} F {hc}")
        mine_c = r2c[r2c["equation"] == label]
        assert len(mine_c) == len(eq["r2_change"]), (case, label)
        for ch in eq["r2_change"]:
            term = ch["term"] if ch["term"] == "all" else _canon(ch["term"])
            row = mine_c[[(t if t == "all" else _canon(t)) == term for t in mine_c["term"]]]
            assert len(row) == 1, (case, label, term)
            _close(row["r2_change"], [ch["r2_change"]], f"{case} {label} dR2 {term}")
            _close(row[["f", "df1", "df2", "pvalue"]].to_numpy(dtype=float)[0], ch["f"][hc],
                   f"{case} {label} dR2 F {term} {hc}")


def _roles(res) -> dict:
    return {"w": res.w, "z": res.z}


@pytest.mark.parametrize("hc", ["ordinary", "HC3", "HC4"])
@pytest.mark.parametrize("case", list(CASES))
def test_conditional_effects_and_johnson_neyman_match_r(case, hc):
    ref = CASES[case]
    res = _fit(case, hc)
    for v, vals in (ref["probe_values"] or {}).items():
        got = res.probe_values[v]
        if isinstance(vals[0], str):
            assert list(got) == vals
        else:
            _close(got, vals, f"{case} probe values of {v}")
    ce = res.conditional_effects()
    outcome = {e["label"]: e["outcome"] for e in ref["equations"]}
    for lk in {(c["equation"], tuple(np.atleast_1d(c["diff"]))) for c in ref["conditional"]}:
        rows = [c for c in ref["conditional"] if (c["equation"], tuple(np.atleast_1d(c["diff"]))) == lk]
        label = f"{':'.join(lk[1])} -> {outcome[lk[0]]}"
        mine = ce[(ce["equation"] == lk[0]) & (ce["effect"] == label)]
        assert len(mine) == len(rows), (case, label)
        for (_, m), r in zip(mine.iterrows(), rows):
            for role, name in _roles(res).items():
                if name in r["at"]:
                    if isinstance(r["at"][name], str):
                        assert m[role] == r["at"][name]
                    else:
                        _close(m[role], r["at"][name], f"{case} {label} {name}")
            _close(m["est"], r["est"], f"{case} {label} est")
            _close(m["se"], r["se"][hc], f"{case} {label} se {hc}")
    jn = res.johnson_neyman()
    with_roots = [j for j in ref["johnson_neyman"] if np.atleast_1d(j["roots"][hc]).size]
    assert len(jn["effect"].unique()) == len(with_roots), case
    for j in ref["johnson_neyman"]:
        label = f"{':'.join(np.atleast_1d(j['diff']))} -> {outcome[j['equation']]}"
        mine = jn[jn["effect"] == label]
        _close(mine["value"], np.atleast_1d(j["roots"][hc]), f"{case} J-N {label} {hc}")
        lo, hi = j["range"]
        assert list(mine["within_range"]) == [lo <= r <= hi for r in np.atleast_1d(j["roots"][hc])]


def test_johnson_neyman_agrees_with_rockchalk():
    jn = _fit("m1", "ordinary").johnson_neyman()
    _close(jn["value"], R["rockchalk"]["rockchalk_roots"], "rockchalk::testSlopes roots")
    regions = _fit("m1", "ordinary").johnson_neyman_regions()
    assert list(regions["significant"]) == [True, False, True]


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c]["indirect"]])
def test_indirect_effects_and_indices_match_r(case):
    ref = CASES[case]
    res = _fit(case, "ordinary")
    ind = res.indirect_effects()
    for path in dict.fromkeys(r["path"] for r in ref["indirect"]):
        rows = [r for r in ref["indirect"] if r["path"] == path]
        mine = ind[ind["path"] == path]
        assert len(mine) == len(rows), (case, path)
        _close(mine["est"], [r["est"] for r in rows], f"{case} indirect {path}")
    idx = res.index_of_moderated_mediation()
    assert len(idx) == len(ref["index"]), case
    for r in ref["index"]:
        sel = (idx["path"] == r["path"]) & (idx["moderator"] == r["moderator"])
        if "level" in r:
            sel &= idx["level"] == r["level"]
        if "at" in r:
            sel &= np.isclose(idx["at"].astype(float), r["at"], rtol=1e-12)
        assert sel.sum() == 1, (case, r)
        _close(idx.loc[sel, "index"], [r["index"]], f"{case} index {r}")


def test_index_kinds_and_absence_in_quadratic_models():
    kinds = {c: set(_fit(c, "ordinary").index_of_moderated_mediation()["kind"]) for c in ("m7", "m9", "m21", "m59")}
    assert kinds == {"m7": {"moderated mediation"}, "m9": {"partial moderated mediation"},
                     "m21": {"conditional moderated mediation"}, "m59": set()}
    res = sk.process(DATA, **_args("m59"), n_boot=50, rng=1, jobs=1)
    con = res.contrasts()
    ind = res.indirect_effects().set_index("w")["est"]
    assert len(con) == 3
    for _, r in con.iterrows():
        assert r["est"] == pytest.approx(ind[r["to"]] - ind[r["from"]], rel=1e-12)
    assert "quadratic function of W" in str(res)


def test_model_4_indirect_effect_is_a_times_b_exactly():
    res = sk.process(DATA, model=4, x="IDE", m="STY", y="EXE", covariates=["age"], n_boot=100, rng=3, jobs=1)
    c = res.coefficients().set_index(["equation", "term"])["est"]
    ind = res.indirect_effects()
    assert ind["est"].iloc[0] == c[("STY", "IDE")] * c[("EXE", "STY")]
    # the total effect is the direct plus the indirect effect (an identity of OLS with equal covariates)
    assert res.total_effect()["est"].iloc[0] == pytest.approx(res.direct_effect()["est"].iloc[0] + ind["est"].iloc[0],
                                                              rel=1e-12)


def test_model_6_paths_and_total_indirect_effect():
    ref = CASES["m6"]
    res = _fit("m6", "ordinary")
    ind = res.indirect_effects()
    assert list(ind["path"]) == ["IDE -> STY -> EXE", "IDE -> MEC -> EXE", "IDE -> STY -> MEC -> EXE",
                                 "total indirect"]
    total = next(e for e in ref["equations"] if e["label"] == "total")
    _close(res.total_effect()["est"], [total["est"][1]], "total effect")
    _close(ind["est"].iloc[-1] + res.direct_effect()["est"].iloc[0], [total["est"][1]], "direct + indirect")
    three = sk.process(DATA, model=6, x="IDE", m=["STY", "MEC", "INS"], y="EXE", n_boot=0)
    assert len(three.indirect_effects()) == 2**3 - 1 + 1


def test_hc_kernel_equals_statsmodels():
    import statsmodels.api as sm

    x = sm.add_constant(DATA[["IDE", "INS"]].assign(p=DATA["IDE"] * DATA["INS"]).to_numpy())
    fit = sm.OLS(DATA["STY"].to_numpy(), x).fit()
    for kind in ("HC0", "HC1", "HC2", "HC3"):
        np.testing.assert_allclose(hc_covariance(x, fit.resid, kind), fit.get_robustcov_results(kind).cov_params(),
                                   rtol=1e-10, atol=1e-14)


# -- the bootstrap --------------------------------------------------------------------------------
def test_draws_do_not_depend_on_workers_or_batches():
    kw = dict(model=7, x="IDE", m="STY", y="EXE", w="INS", n_boot=120, rng=11)
    one = sk.process(DATA, **kw, jobs=1)
    two = sk.process(DATA, **kw, jobs=2, batch_size=7)
    np.testing.assert_array_equal(one.draws.to_numpy(), two.draws.to_numpy())
    pd.testing.assert_frame_equal(one.indirect_effects(), two.indirect_effects())
    pd.testing.assert_frame_equal(one.index_of_moderated_mediation(), two.index_of_moderated_mediation())


def test_a_draw_is_the_ols_refit_of_its_resample():
    res = sk.process(DATA, model=4, x="IDE", m="STY", y="EXE", n_boot=5, rng=5, jobs=1)
    n = len(DATA)
    idx = stream(5, 3).integers(0, n, size=n)
    xm = np.column_stack([np.ones(n), DATA["IDE"]])[idx]
    a = np.linalg.lstsq(xm, DATA["STY"].to_numpy()[idx], rcond=None)[0]
    # the draw solves the normal equations weighted by how often each row was drawn: lstsq's refit to rounding
    np.testing.assert_allclose(res.draws.loc[3, ["STY|constant", "STY|IDE"]].to_numpy(), a, rtol=1e-10)


def test_bootstrap_agrees_with_an_r_loop_within_monte_carlo_error():
    """R: 2,000 lm.fit refits (set.seed(20240616)); here 2,000 draws with another generator.

    The p-quantile of B draws has standard error about sqrt(p (1 - p) / B) / f(q_p); for a
    normal bootstrap distribution with SD s at p = .025 that is 2.67 s / sqrt(B).  Two
    independent runs of B = 2,000 differ by 2.67 s sqrt(2 / 2000) = 0.084 s in SD; we allow four
    SDs, 0.34 s (about 0.018 for the indirect effect, whose bootstrap SE is 0.053).  Bootstrap SEs
    differ by s sqrt(2 / (2 (B - 1))) = 0.022 s in SD; we allow 0.09 s.
    """
    ref = R["bootstrap"]
    b = ref["n_boot"]
    res = sk.process(DATA, model=7, x="IDE", m="STY", y="EXE", w="INS", covariates="age", n_boot=b, rng=20240616,
                     jobs=1)
    res_bc = sk.process(DATA, model=7, x="IDE", m="STY", y="EXE", w="INS", covariates="age", n_boot=b,
                        rng=20240616, jobs=1, ci="bc")
    ind, ind_bc = res.indirect_effects(), res_bc.indirect_effects()
    assert ind["w"].iloc[2] == pytest.approx(ref["w"], rel=1e-12)
    mine = {"indirect_w_high": (ind.iloc[2], ind_bc.iloc[2]),
            "index": (res.index_of_moderated_mediation().iloc[0], res_bc.index_of_moderated_mediation().iloc[0])}
    for name, (pct, bc) in mine.items():
        r = ref["statistics"][name]
        s = r["se"]
        est = pct["est"] if "est" in pct else pct["index"]
        assert est == pytest.approx(r["est"], rel=1e-10)
        tol = 4 * 2.67 * s * np.sqrt(2 / b)
        assert abs(pct["boot_se"] - s) < 4 * s * np.sqrt(1 / (b - 1)), name
        assert abs(pct["boot_ci_lower"] - r["percentile"][0]) < tol, name
        assert abs(pct["boot_ci_upper"] - r["percentile"][1]) < tol, name
        assert abs(bc["boot_ci_lower"] - r["bc"][0]) < tol, name
        assert abs(bc["boot_ci_upper"] - r["bc"][1]) < tol, name


# -- the result -------------------------------------------------------------------------------------
def test_result_is_immutable_printable_and_json_able():
    res = sk.process(DATA, model=8, x="IDE", m="STY", y="EXE", w="INS", n_boot=50, rng=2, jobs=1, hc="HC3")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.model = 7
    text = str(res)
    for part in ("OUTCOME VARIABLE: STY", "OUTCOME VARIABLE: EXE", "Conditional effects", "Johnson-Neyman",
                 "Direct effect", "Indirect effect", "Index of moderated mediation", "HC3"):
        assert part in text
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["rng_seed"] == 2 and d["model"] == 8
    assert res.to_frame().equals(res.coefficients())
    frame = res.coefficients()
    frame.loc[0, "est"] = 99.0
    assert res.coefficients().loc[0, "est"] != 99.0
    assert res._repr_html_().startswith("<div")
    assert repr(res).startswith("<ProcessResult model=8")


def test_listwise_deletion_is_said_with_the_count():
    d = DATA.copy()
    d.loc[[3, 10, 11], "STY"] = np.nan
    d.loc[10, "INS"] = np.nan
    with pytest.warns(MissingDataWarning, match=r"^3 of 300 rows had missing values on model variables"):
        res = sk.process(d, model=1, x="IDE", w="INS", y="STY")
    assert res.n == 297 and res.n_dropped == 3
    assert res.warnings[0][0] == "MissingDataWarning"


def test_categorical_moderator_probes_each_category():
    res = _fit("m1_categorical", "ordinary")
    ce = res.conditional_effects()
    assert list(ce["w"]) == ["central", "east", "west"]
    assert res.moderator_kinds == {"region": "categorical"}
    assert res.johnson_neyman().empty


# -- bad input: one sentence each ---------------------------------------------------------------------
BAD = [
    (dict(model=10, x="IDE", y="EXE", w="INS"), SpecError,
     r"^model=10 is not offered; process\(\) offers PROCESS models 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15, 21, 58, 59\.$"),
    (dict(model=7, x="IDE", y="EXE", m="STY"), SpecError, r"^PROCESS model 7 needs w; it takes x, y, m, w"),
    (dict(model=1, x="IDE", y="EXE", w="INS", z="ORG"), SpecError, r"does not use z \(leave it out\)"),
    (dict(model=6, x="IDE", y="EXE", m="STY"), SpecError, r"^PROCESS model 6 takes 2 to 4 mediators in m; 1 were"),
    (dict(model=1, x="IDE", y="EXE", w="IDE"), SpecError, r"^'IDE' is given in more than one role"),
    (dict(model=1, x="IDE", y="EXE", w="INS", hc="HC5"), SpecError, r"^hc='HC5' is not one of 'HC0'"),
    (dict(model=1, x="IDE", y="EXE", w="POW"), DataError, r"^data has no column 'POW' \(named as w\)"),
    (dict(model=1, x="region", y="EXE", w="INS"), DataError, r"^Column 'region' \(x\) is not numeric"),
    (dict(model=2, x="IDE", y="EXE", w="region", z="INS"), DataError,
     r"^Column 'region' \(a moderator of a model with two moderators\) is not numeric"),
    (dict(model=1, x="IDE", y="EXE", w="const"), DataError,
     r"^The moderator 'const' has one value \(3\) in the 300 complete rows; a moderator must vary"),
    (dict(model=1, x="IDE", y="EXE", w="one_level"), DataError,
     r"^The categorical moderator 'one_level' has one value \('east'\)"),
    (dict(model=2, x="IDE", y="EXE", w="INS", z="const"), DataError,
     r"^The moderator 'const' has one value \(3\) in the 300 complete rows; a moderator must vary"),
    (dict(model=21, x="IDE", m="STY", y="EXE", w="INS", z="const"), DataError, r"^The moderator 'const' has one"),
    (dict(model=7, x="IDE", m="STY", y="EXE", w="unused_level"), DataError,  # a declared category nobody chose
     r"^The categorical moderator 'unused_level' has one value \('east'\) in the 300 complete rows"),
    (dict(model=1, x="IDE", y="EXE", w="INS", moderator_values={"ORG": [1, 2]}), SpecError,
     r"^moderator_values names 'ORG', not a moderator"),
]


@pytest.mark.parametrize("kwargs, error, message", BAD)
def test_bad_input_gets_one_sentence(kwargs, error, message):
    d = DATA.assign(const=3.0, one_level="east",
                    unused_level=pd.Categorical(["east"] * len(DATA), categories=["east", "west"]))
    with pytest.raises(error, match=message):
        sk.process(d, **kwargs, n_boot=0)


def test_a_moderator_constant_in_the_complete_rows_is_refused():
    d = DATA.assign(w2=np.where(DATA.index < 150, np.nan, 2.0))
    with pytest.warns(MissingDataWarning, match="150 of 300 rows"), \
            pytest.raises(DataError, match=r"^The moderator 'w2' has one value \(2\) in the 150 complete rows"):
        sk.process(d, model=1, x="IDE", y="EXE", w="w2", n_boot=0)


def test_too_few_complete_rows():
    d = DATA.copy()
    d.loc[5:, "STY"] = np.nan
    with pytest.warns(MissingDataWarning), pytest.raises(DataError, match=r"^Only 5 complete rows on the model "
                                                                          r"variables; the largest equation has 4 "
                                                                          r"coefficients, so at least 6 are needed\.$"):
        sk.process(d, model=7, x="IDE", m="STY", y="EXE", w="INS", n_boot=0)


def test_simple_slopes_are_predictions_with_their_confidence_band():
    """Against statsmodels' get_prediction (an independent computation of x0'b and x0'Vx0)."""
    import statsmodels.api as sm

    res = _fit("m1", "ordinary")
    ss = res.simple_slopes()
    assert len(ss) == 3 * 41 and list(ss["w"].unique()) == list(res.probe_values["INS"])
    x = sm.add_constant(DATA[["IDE", "INS"]].assign(p=DATA["IDE"] * DATA["INS"], age=DATA["age"]).to_numpy())
    fit = sm.OLS(DATA["STY"].to_numpy(), x).fit()
    rows = ss.iloc[[0, 40, 60, 122]]
    x0 = np.column_stack([np.ones(len(rows)), rows["x"], rows["w"], rows["x"] * rows["w"],
                          np.full(len(rows), DATA["age"].mean())])
    pred = fit.get_prediction(x0).summary_frame(alpha=0.05)
    _close(rows["fit"], pred["mean"], "predicted values")
    _close(rows["se"], pred["mean_se"], "their SE")
    _close(rows["ci_lower"], pred["mean_ci_lower"], "lower band")


# -- a second opinion: pyprocessmacro 2.2 (test extra; Python >= 3.11) ---------------------------------------
# It agrees with us (and R) on every coefficient, SE (ordinary, HC0-HC3), R2, conditional (direct) effect,
# (conditional) indirect effect and index of (partial, conditional) moderated mediation, and on the
# bootstrap within Monte Carlo error.  Where it is wrong or lacks something, not compared:
# - with cov_type="HC0".."HC3" its model F stays the ordinary F; PROCESS (and R's Wald F with
#   sandwich::vcovHC, our reference) uses the HC matrix for it;
# - it has no HC4.
# PROCESS 2 names its roles differently: the moderator of model 1 is m, of models 14 and 15 v.
PYPROCESS = [
    (dict(model=1, w="INS"), dict(model=1, m="INS")),
    (dict(model=2, w="INS", z="ORG"), dict(model=2, m="INS", w="ORG")),
    (dict(model=3, w="INS", z="ORG"), dict(model=3, m="INS", w="ORG")),
    (dict(model=4, m=["STY", "MEC"]), dict(model=4, m=["STY", "MEC"])),
    (dict(model=5, m="STY", w="INS"), dict(model=5, m=["STY"], w="INS")),
    (dict(model=6, m=["STY", "MEC"]), dict(model=6, m=["STY", "MEC"])),
    (dict(model=7, m="STY", w="INS"), dict(model=7, m=["STY"], w="INS")),
    (dict(model=8, m="STY", w="INS"), dict(model=8, m=["STY"], w="INS")),
    (dict(model=9, m="STY", w="INS", z="ORG"), dict(model=9, m=["STY"], w="INS", z="ORG")),
    (dict(model=14, m="STY", w="ORG"), dict(model=14, m=["STY"], v="ORG")),
    (dict(model=15, m="STY", w="ORG"), dict(model=15, m=["STY"], v="ORG")),
    (dict(model=21, m="STY", w="INS", z="ORG"), dict(model=21, m=["STY"], w="INS", v="ORG")),
    (dict(model=58, m="STY", w="INS"), dict(model=58, m=["STY"], w="INS")),
    (dict(model=59, m="STY", w="INS"), dict(model=59, m=["STY"], w="INS")),
]
_PP_IDS = [f"model{o['model']}" for o, _ in PYPROCESS]


def _pyprocess(theirs: dict, **options):
    pytest.importorskip("pyprocessmacro")
    import warnings as _w

    from pyprocessmacro import Process

    with _w.catch_warnings():
        _w.simplefilter("ignore")
        return Process(data=DATA, x="IDE", y="EXE", suppr_init=True, **{"boot": 10, "seed": 1, **options}, **theirs)


def _pp_canon(term: str) -> str:
    return "constant" if term in ("Cons", "constant") else ":".join(sorted(term.replace("*", ":").split(":")))


@pytest.mark.parametrize("hc", [None, "HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize("ours, theirs", PYPROCESS, ids=_PP_IDS)
def test_equations_and_conditional_effects_agree_with_pyprocessmacro(ours, theirs, hc):
    p = _pyprocess(theirs, cov_type=hc or "standard")
    res = sk.process(DATA, x="IDE", y="EXE", n_boot=0, hc=hc, **ours)
    coef = res.coefficients()
    coef = coef[coef["equation"] != "total"]
    ms = res.model_summary().set_index("equation")
    assert sorted(p.outcome_models) == sorted(coef["outcome"].unique())
    for outcome, om in p.outcome_models.items():
        theirs_c = om.coeff_summary().rename(index=_pp_canon)
        mine = coef[coef["outcome"] == outcome].assign(key=lambda d: d["term"].map(_pp_canon)).set_index("key")
        assert sorted(mine.index) == sorted(theirs_c.index), outcome
        _close(mine.loc[theirs_c.index, "est"], theirs_c["coeff"], f"{outcome} coefficients")
        _close(mine.loc[theirs_c.index, "se"], theirs_c["se"], f"{outcome} SEs ({hc})")
        _close(ms.loc[outcome, "r_squared"], om.model_summary()["R²"].iloc[0], f"{outcome} R2")
    # the effect of X on Y: conditional (models 1-3, and the direct effect of 5, 8, 15, 59) or not
    direct = p.direct_model.coeff_summary()
    mine = res.conditional_effects() if ours["model"] <= 3 else res.direct_effect()
    mine = mine[mine["effect"] == "IDE -> EXE"]
    mods = [c for c in direct.columns if c in DATA.columns]
    if mods:
        roles = {v: r for r, v in (("w", res.w), ("z", res.z)) if v}
        key_t = direct.sort_values(mods[::-1]).reset_index(drop=True)
        key_m = mine.sort_values([roles[v] for v in mods[::-1]]).reset_index(drop=True)
        for v in mods:
            _close(key_m[roles[v]], key_t[v], f"probe values of {v}")
    else:
        key_t, key_m = direct, mine
    _close(key_m["est"], key_t["Effect"], "effect of X")
    _close(key_m["se"], key_t["SE"], f"its SE ({hc})")
    _close(key_m["ci_lower"], key_t["LLCI"], "its lower limit")


@pytest.mark.parametrize("ours, theirs", [c for c in PYPROCESS if c[0].get("m")],
                         ids=[i for (o, _), i in zip(PYPROCESS, _PP_IDS) if o.get("m")])
def test_indirect_effects_and_indices_agree_with_pyprocessmacro(ours, theirs):
    p = _pyprocess(theirs)
    res = sk.process(DATA, x="IDE", y="EXE", n_boot=0, **ours)
    theirs_ind = p.indirect_model.coeff_summary()
    mine = res.indirect_effects()
    mine = mine[mine["path"] != "total indirect"]
    mods = [v for v in (res.w, res.z) if v and v in theirs_ind.columns]
    roles = {v: r for r, v in (("w", res.w), ("z", res.z)) if v}
    key_t = sorted(zip(*(theirs_ind[v].round(10) for v in mods), theirs_ind["Effect"]))
    key_m = sorted(zip(*(mine[roles[v]].round(10) for v in mods), mine["est"]))
    assert len(key_t) == len(key_m)
    for a, b in zip(key_m, key_t):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    index = res.index_of_moderated_mediation()
    summaries = {7: "MM_index_summary", 8: "MM_index_summary", 14: "MM_index_summary", 15: "MM_index_summary",
                 9: "PMM_index_summary", 21: "CMM_index_summary"}
    if ours["model"] in summaries:
        theirs_x = getattr(p.indirect_model, summaries[ours["model"]])()
        _close(sorted(index["index"]), sorted(theirs_x["Index"]), "index of moderated mediation")


@pytest.mark.parametrize("ci, percent", [("percentile", True), ("bc", False)])
@pytest.mark.parametrize("ours, theirs", [PYPROCESS[6], PYPROCESS[9]], ids=["model7", "model14"])
def test_bootstrap_agrees_with_pyprocessmacro_within_monte_carlo_error(ours, theirs, ci, percent):
    """2,000 draws each (other generators); the bounds of the R comparison above."""
    b = 2000
    p = _pyprocess(theirs, boot=b, seed=7, percent=percent)
    res = sk.process(DATA, x="IDE", y="EXE", n_boot=b, rng=7, ci=ci, jobs=1, **ours)
    theirs_ind = p.indirect_model.coeff_summary().sort_values(ours["w"]).reset_index(drop=True)
    mine = res.indirect_effects().sort_values("w").reset_index(drop=True)
    theirs_mm = p.indirect_model.MM_index_summary().iloc[0]
    mine_mm = res.index_of_moderated_mediation().iloc[0]
    pairs = [(mine.loc[k, ["boot_se", "boot_ci_lower", "boot_ci_upper"]].to_numpy(dtype=float),
              theirs_ind.loc[k, ["Boot SE", "BootLLCI", "BootULCI"]].to_numpy(dtype=float), f"indirect {k}")
             for k in range(len(mine))]
    pairs.append((mine_mm[["boot_se", "boot_ci_lower", "boot_ci_upper"]].to_numpy(dtype=float),
                  theirs_mm[["Boot SE", "LLCI", "ULCI"]].to_numpy(dtype=float), "index"))
    for (se, lo, hi), (se_t, lo_t, hi_t), what in pairs:
        assert abs(se - se_t) < 4 * se_t * np.sqrt(1 / (b - 1)), (what, se, se_t)
        tol = 4 * 2.67 * se_t * np.sqrt(2 / b)
        assert abs(lo - lo_t) < tol, (what, lo, lo_t)
        assert abs(hi - hi_t) < tol, (what, hi, hi_t)


# -- Wen & Ye (2014): products of the stages' coefficients ------------------------------------------------------
@pytest.mark.parametrize("model, products", [(7, ["a3*b1"]), (14, ["a1*b2"]), (58, ["a1*b2", "a3*b1", "a3*b2"]),
                                             (59, ["a1*b2", "a3*b1", "a3*b2"])])
def test_coefficient_products_are_lm_coefficient_products_with_their_bootstrap(model, products):
    res = sk.process(DATA, model=model, x="IDE", m="STY", y="EXE", w="INS", center=True, n_boot=300, rng=3, jobs=1)
    tab = res.coefficient_products()
    assert list(tab["product"]) == products
    coef = res.coefficients().set_index(["equation", "term"])["est"]
    draws = res.draws
    for _, r in tab.iterrows():
        a, b = coef[tuple(r["first"].split("|"))], coef[tuple(r["second"].split("|"))]
        assert (r["first_est"], r["second_est"]) == (a, b) and r["est"] == pytest.approx(a * b, rel=1e-15)
        prod = (draws[r["first"]] * draws[r["second"]]).to_numpy()
        # percentile limits interpolated as R's boot::norm.inter (surveykit.resampling.intervals)
        np.testing.assert_allclose([r["boot_ci_lower"], r["boot_ci_upper"]], norm_inter(prod, [0.025, 0.975]),
                                   rtol=1e-12)
        assert r["boot_se"] == pytest.approx(prod.std(ddof=1), rel=1e-12)
    index = res.index_of_moderated_mediation()
    if len(index):  # one moderated stage: Hayes's index is that product
        assert index["index"].iloc[0] == pytest.approx(tab["est"].iloc[0], rel=1e-12)


@pytest.mark.parametrize("kwargs", [dict(model=4, m="STY"), dict(model=1, w="INS"), dict(model=7, m="STY", w="region"),
                                    dict(model=21, m="STY", w="INS", z="ORG"), dict(model=4, m=["STY", "MEC"])])
def test_coefficient_products_only_for_one_mediator_and_one_numeric_moderator(kwargs):
    res = sk.process(DATA, x="IDE", y="EXE", n_boot=0, **kwargs)
    assert res.coefficient_products().empty
