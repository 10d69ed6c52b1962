"""Shared fixtures: the demo analysis run once, and a results record with every section."""

from __future__ import annotations

import copy

import pytest


@pytest.fixture(scope="package")
def demo_run(demo_result):
    return demo_result


@pytest.fixture(scope="package")
def full_results(demo_run):
    """The demo's results plus the sections the pipeline is to add (shapes of surveykit.report.document)."""
    r = copy.deepcopy(demo_run.results)
    for d in r["descriptives"]:
        if d["construct"] not in ("IDE", "EXE"):  # two constructs suffice (each figure costs time)
            continue
        k = int(d["n"])
        base = [0.06, 0.14, 0.25, 0.35, 0.20] if not d["reverse"] else [0.2, 0.35, 0.25, 0.14, 0.06]
        counts = [int(round(k * p)) for p in base]
        counts[-1] += k - sum(counts)
        d["distribution"] = {str(v): c for v, c in zip(range(1, 6), counts)}
    codes = [c["code"] for c in r["instrument"]["constructs"]]
    items = [d["item"] for d in r["descriptives"]]
    r["psychometrics"] = {
        "kmo": {"overall": 0.874},
        "bartlett": {"chisq": 8123.4, "df": 861, "pvalue": 0.0},
        "parallel_analysis": {"observed": [6.1, 2.9, 2.4, 2.0, 1.8, 1.6, 1.5, 1.3, 0.9, 0.8],
                              "simulated": [1.45, 1.39, 1.34, 1.30, 1.26, 1.23, 1.20, 1.17, 1.14, 1.11],
                              "n_factors": 8, "n_iter": 100, "percentile": 95},
        "efa": {"n_factors": 2, "method": "ml", "rotation": "oblimin", "factors": ["F1", "F2"],
                "loadings": [{"item": i, "loadings": [0.61, 0.05], "h2": 0.38} for i in items[:6]]},
        "harman": {"variance": 0.183, "n_factors": 8},
    }
    for v in r["measurement"]["validity"]:
        v["sqrt_ave"] = v["ave"] ** 0.5
        v["msv"] = 0.19
    r["measurement"]["htmt"] = [{"lhs": a, "rhs": b, "htmt": 0.31 + 0.01 * i}
                                for i, (a, b) in enumerate((a, b) for j, a in enumerate(codes) for b in codes[j + 1:])]
    r["mediation"] = {"n_boot": 2000, "ci": "bca", "seed": 7, "effects": [
        {"name": "ind_IDE_STY_EXE", "label": {"zh": "思想→作风→执行力", "en": "IDE→STY→EXE"}, "est": 0.103,
         "se": 0.026, "ci_lower": 0.057, "ci_upper": 0.158, "std_all": 0.105},
        {"name": "ind_ORG_EXE", "est": 0.01, "se": 0.02, "ci_lower": -0.03, "ci_upper": 0.05, "std_all": 0.01}]}
    r["invariance"] = {"group": "region", "levels": [
        {"level": "configural", "chisq": 1700.2, "df": 1582, "cfi": 0.991, "tli": 0.990, "rmsea": 0.016, "srmr": 0.041},
        {"level": "metric", "chisq": 1740.9, "df": 1616, "cfi": 0.990, "tli": 0.990, "rmsea": 0.016, "srmr": 0.045,
         "delta_cfi": -0.001, "delta_rmsea": 0.0, "chisq_diff": 40.7, "df_diff": 34, "pvalue_diff": 0.198},
        {"level": "scalar", "chisq": 1850.0, "df": 1650, "cfi": 0.975, "tli": 0.974, "rmsea": 0.022, "srmr": 0.047,
         "delta_cfi": -0.015, "delta_rmsea": 0.006, "chisq_diff": 109.1, "df_diff": 34, "pvalue_diff": 0.0001}]}
    r["power"] = {"alpha": 0.05, "reps": 200, "seed": 3, "curves": [
        {"parameter": p, "n": n, "power": pw, "ci_lower": pw - 0.05, "ci_upper": min(1.0, pw + 0.05)}
        for p, row in (("a1", (0.45, 0.78, 0.96)), ("b1", (0.30, 0.55, 0.83)))
        for n, pw in zip((150, 300, 600), row)]}
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
