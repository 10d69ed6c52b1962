"""Shared fixtures: the demo analysis run once, and a results record with every section."""

from __future__ import annotations

import copy

import pytest


@pytest.fixture(scope="package")
def demo_run(demo_result):
    return demo_result


@pytest.fixture(scope="package")
def full_results(demo_run):
    """The demo's results plus a power study, a mediation with an effect whose interval includes
    zero, and Likert distributions of two constructs only (each figure costs time)."""
    r = copy.deepcopy(demo_run.results)
    for d in r["descriptives"]:
        if d["construct"] not in ("IDE", "EXE"):
            d["distribution"] = {}
    med = r["mediation"]
    med.update({"n_boot": 2000, "ci": "bca", "rng_seed": 7})
    for p in med["parameters"]:
        if p["op"] == ":=" and p["lhs"] == "ind_INS_MEC_EXE":
            p.update({"ci_lower": -0.03, "ci_upper": 0.05})
    rows = []
    for par, powers in (("a1", (0.45, 0.78, 0.96)), ("b1", (0.30, 0.55, 0.83))):
        for n, pw in zip((150, 300, 600), powers):
            rows.append({"n": n, "parameter": par, "lhs": "m", "op": "~", "rhs": "x", "label": par, "true": 0.3,
                         "mean_est": 0.3, "sd_est": 0.1, "mean_se": 0.1, "bias": 0.0, "rel_bias": 0.0, "power": pw,
                         "power_mcse": 0.025, "power_ci_lower": pw - 0.05, "power_ci_upper": min(1.0, pw + 0.05),
                         "coverage": 0.95, "n_converged": 200, "conv_rate": 1.0, "n_nonadmissible": 0})
    r["power"] = {"n": [150, 300, 600], "reps": 200, "alpha": 0.05, "rng_seed": 3, "model": "m ~ a1*x",
                  "population": "m ~ 0.3*x", "table": rows,
                  "convergence": [{"n": n, "reps": 200, "n_converged": 200, "conv_rate": 1.0, "n_nonadmissible": 0,
                                   "mean_n_used": float(n)} for n in (150, 300, 600)],
                  "warnings": []}
    return r


ALL_FORMATS = ("html", "md", "json", "docx")


@pytest.fixture(scope="package")
def full_report(full_results, demo_run, tmp_path_factory):
    """Every format and figure of the full results, in Chinese, three-line tables, cn-journal cut-offs."""
    from surveykit.report import write_report

    out = tmp_path_factory.mktemp("full")
    write_report(full_results, demo_run.manifest, out, lang="zh", formats=ALL_FORMATS, table_style="cn",
                 convention="cn-journal")
    return out
