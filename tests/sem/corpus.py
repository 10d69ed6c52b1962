"""The lavaan-parity corpus (tests/reference/lavaan/corpus, made by
tests/reference/make_corpus_reference.R with lavaan 0.6.14): loading a case, translating its
lavaan arguments into surveykit's, fitting it, and comparing every number with the stated
tolerances.  Used by test_corpus.py and by ``python -m tests.sem.corpus`` (a summary of every
case, for development)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

REF = Path(__file__).resolve().parents[1] / "reference"
CORPUS = REF / "lavaan" / "corpus"

# tolerances of issue 12: estimates 1e-4 (relative to max(1, |value|)), SEs and fit measures 1e-3 relative
EST_TOL = 1e-4
SE_TOL = 1e-3
FIT_TOL = 1e-3
FIT_ABS = 1e-6

_ARG_MAP = {"group.equal": "group_equal", "group.partial": "group_partial", "std.lv": "std_lv",
            "fixed.x": "fixed_x", "auto.fix.single": "auto_fix_single", "auto.fix.first": "auto_fix_first",
            "int.ov.free": "int_ov_free", "int.lv.free": "int_lv_free", "observed.information": "observed_information",
            "h1.information": "h1_information", "conditional.x": "conditional_x", "std.ov": "std_ov",
            "auto.var": "auto_var", "auto.cov.lv.x": "auto_cov_lv_x", "auto.cov.y": "auto_cov_y"}


def case_ids() -> list[str]:
    return sorted(p.stem for p in CORPUS.glob("*.json") if p.stem != "INDEX")


@cache
def load_case(case_id: str) -> dict:
    return json.loads((CORPUS / f"{case_id}.json").read_text(encoding="utf-8"))


@cache
def load_data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / name)


def surveykit_kwargs(case: dict) -> dict:
    """lavaan's arguments as surveykit keyword arguments (dots as underscores)."""
    out = {}
    for key, val in (case.get("args") or {}).items():
        name = _ARG_MAP.get(key, key.replace(".", "_"))
        if isinstance(val, list) and name not in ("group_equal", "group_partial", "ordered", "information",
                                                   "observed_information", "h1_information", "test"):
            val = val[0] if len(val) == 1 else val
        out[name] = val
    return out


def fit_case(case_id: str):
    import surveykit as sk

    case = load_case(case_id)
    data = load_data(case["data"])
    fn = {"cfa": sk.cfa, "sem": sk.sem, "growth": sk.growth}[case["function"]]
    return fn(case["model"], data, **surveykit_kwargs(case))


def _num(x) -> float:
    return float("nan") if x is None else float(x)


def _close(a: float, b: float, rel: float, floor: float) -> bool:
    if b is None:
        return a is None or not np.isfinite(a)
    if a is None or not np.isfinite(a):
        return not np.isfinite(_num(b))
    return abs(a - b) <= rel * abs(b) + floor


@dataclass
class Comparison:
    case: str
    problems: list[str] = field(default_factory=list)

    def add(self, msg: str) -> None:
        self.problems.append(msg)

    @property
    def ok(self) -> bool:
        return not self.problems


def _row_key(r: dict, ngroups: int) -> tuple:
    rhs = r["rhs"]
    if r["op"] == ":=":
        rhs = re.sub(r"\s+", "", rhs)
    return (r["lhs"], r["op"], rhs, int(r.get("group") or 1) if ngroups > 1 and r["op"] != ":=" else 0)


def compare_fit(case_id: str, fit, *, se_tol: float | None = None, fit_tol: float | None = None, skip_fit=(),
                skip_mi_ops=()) -> Comparison:
    """Every lavaan number of the case against surveykit's fit (``se_tol`` overrides the relative
    tolerance of standard errors; ``skip_fit`` names fit measures left out)."""
    se_rel = SE_TOL if se_tol is None else se_tol
    fit_rel = FIT_TOL if fit_tol is None else fit_tol
    case = load_case(case_id)
    cmp = Comparison(case_id)
    G = int(case["ngroups"])
    pe = fit.parameter_estimates()
    ours = {}
    for r in pe.to_dict("records"):
        key = (r["lhs"], r["op"], r["rhs"], int(r.get("group", 1)) if G > 1 and r["op"] != ":=" else 0)
        ours[key] = r
    for r in case["estimates"]:
        if r["op"] in ("==", "<", ">"):
            continue
        key = _row_key(r, G)
        mine = ours.get(key)
        if mine is None and r["op"] == "~~":
            mine = ours.get((key[2], key[1], key[0], key[3]))
        if mine is None:
            cmp.add(f"row {key} missing")
            continue
        where = " ".join(str(k) for k in key)
        est = _num(r["est"])
        if not _close(mine["est"], est, EST_TOL, EST_TOL):
            cmp.add(f"est {where}: {mine['est']:.6g} vs {est:.6g}")
        se = _num(r.get("se"))
        if np.isfinite(se) and se > 0 and not _close(mine["se"], se, se_rel, 1e-8):
            cmp.add(f"se {where}: {mine['se']:.6g} vs {se:.6g}")
        for col, ref_col in (("std_all", "std.all"), ("std_lv", "std.lv"), ("std_nox", "std.nox")):
            v = _num(r.get(ref_col))
            if np.isfinite(v) and not _close(mine[col], v, EST_TOL * 10, EST_TOL * 10):
                cmp.add(f"{col} {where}: {mine[col]:.6g} vs {v:.6g}")
    fm = fit.fit_measures()
    for key, val in (case.get("fit") or {}).items():
        if key in skip_fit:
            continue
        ours_key = key.replace(".", "_")
        if ours_key not in fm:
            cmp.add(f"fit {key} not reported")
            continue
        ref = _num(val)
        mine = fm[ours_key]
        if not np.isfinite(ref):
            if mine is not None and np.isfinite(mine):
                cmp.add(f"fit {key}: {mine:.6g} vs NA")
            continue
        if not _close(mine, ref, fit_rel, FIT_ABS):
            cmp.add(f"fit {key}: {mine:.6g} vs {ref:.6g}")
    r2 = case.get("r2")
    if r2:
        ours_r2 = fit.r_squared()
        blocks = r2.items() if G > 1 else [(None, r2)]
        for label, block in blocks:
            for name, val in block.items():
                key = (label, name) if G > 1 else name
                if key not in ours_r2.index:
                    cmp.add(f"r2 {key} missing")
                elif val is not None and not _close(float(ours_r2[key]), float(val), EST_TOL * 10, EST_TOL * 10):
                    cmp.add(f"r2 {key}: {float(ours_r2[key]):.6g} vs {val:.6g}")
    mis = case.get("modindices")
    if mis:
        _compare_modindices(cmp, fit, mis, G, skip_mi_ops)
    return cmp


def _compare_modindices(cmp: Comparison, fit, ref_rows: list[dict], ngroups: int, skip_ops=()) -> None:
    try:
        mi = fit.modindices(sort=False)
    except Exception as exc:  # noqa: BLE001 - reported as a problem of the case
        cmp.add(f"modindices failed: {exc}")
        return
    ours = {}
    for r in mi.to_dict("records"):
        g = int(r.get("group", 1)) if ngroups > 1 else 1
        ours[(r["lhs"], r["op"], r["rhs"], g)] = r
    seen = set()
    for r in ref_rows:
        if r.get("mi") is None or r["op"] in skip_ops:
            continue
        key = (r["lhs"], r["op"], r["rhs"], int(r.get("group") or 1) if ngroups > 1 else 1)
        mine = ours.get(key)
        if mine is None and r["op"] == "~~":
            mine = ours.get((key[2], key[1], key[0], key[3]))
            key = (key[2], key[1], key[0], key[3]) if mine is not None else key
        seen.add(key)
        where = " ".join(str(k) for k in key)
        if mine is None:
            cmp.add(f"modindex {where} missing")
            continue
        # EPCs of candidates with tiny indices carry the estimates' own optimizer error (~1e-6): an
        # absolute floor of 1e-4 for them
        for col, ref_col, floor in (("mi", "mi", 1e-4), ("epc", "epc", 1e-4), ("sepc_all", "sepc.all", 1e-4),
                                    ("sepc_lv", "sepc.lv", 1e-4), ("sepc_nox", "sepc.nox", 1e-4)):
            v = _num(r.get(ref_col))
            if np.isfinite(v) and not _close(mine[col], v, FIT_TOL, floor):
                cmp.add(f"modindex {col} {where}: {mine[col]:.6g} vs {v:.6g}")
    extra = [k for k in ours if k not in seen]
    if extra:
        cmp.add(f"modindices lavaan does not list: {extra[:4]}")


def main() -> None:  # pragma: no cover - development summary
    import sys
    import traceback
    import warnings

    ids = sys.argv[1:] or case_ids()
    n_ok = 0
    for cid in ids:
        case = load_case(cid)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = fit_case(cid)
            except Exception as exc:  # noqa: BLE001
                if case.get("error"):
                    print(f"{cid}: refused as lavaan ({type(exc).__name__}: {exc})"[:300])
                    n_ok += 1
                else:
                    print(f"{cid}: ERROR {type(exc).__name__}: {exc}"[:400])
                    if "-v" in sys.argv:
                        traceback.print_exc()
                continue
        if case.get("error"):
            print(f"{cid}: lavaan refused ({case['error'][:80]}) but surveykit fitted")
            continue
        cmp = compare_fit(cid, fit)
        if cmp.ok:
            n_ok += 1
            print(f"{cid}: ok")
        else:
            print(f"{cid}: {len(cmp.problems)} problems: " + "; ".join(cmp.problems[:6]))
    print(f"{n_ok} of {len(ids)} ok")


if __name__ == "__main__":  # pragma: no cover
    main()
