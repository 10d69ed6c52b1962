"""The reviewers' battery in one call: per-construct reliability and item analysis
(:func:`scale_battery`), and sampling adequacy, parallel analysis, EFA and Harman's test on all
items (:func:`factor_battery`).  The command line (``surveykit reliability``, ``surveykit efa``)
prints these results; reports can show their ``summary()`` tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from surveykit._core.rng import make_rng
from surveykit.data import SurveyData
from surveykit.errors import DataError, SpecError
from surveykit.psychometrics.adequacy import BartlettResult, KMOResult, bartlett, kmo
from surveykit.psychometrics.efa import EFAResult, efa
from surveykit.psychometrics.harman import HarmanResult, harman
from surveykit.psychometrics.items import CR_LABEL, ItemAnalysisResult, item_analysis
from surveykit.psychometrics.parallel import ParallelAnalysisResult, parallel_analysis
from surveykit.psychometrics.reliability import ReliabilityResult, reliability
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["ScaleBattery", "scale_battery", "FactorBattery", "factor_battery"]


def _scales(data: SurveyData | Mapping[str, pd.DataFrame], constructs: list[str] | None) -> dict[str, pd.DataFrame]:
    if isinstance(data, SurveyData):
        if data.instrument is None:
            raise DataError("scale_battery() needs a SurveyData read with an instrument (or a mapping of "
                            "scale name -> item DataFrame).")
        codes = constructs or [c.code for c in data.instrument.constructs]
        return {code: data.items(code) for code in codes}
    if isinstance(data, Mapping):
        codes = constructs or list(data)
        missing = [c for c in codes if c not in data]
        if missing:
            raise DataError(f"constructs {', '.join(missing)} are not among the scales given ({', '.join(data)}).")
        return {c: data[c] for c in codes}
    raise DataError(f"scale_battery() needs a SurveyData or a mapping of scale name -> DataFrame, "
                    f"not {type(data).__name__}.")


@dataclass(frozen=True, repr=False, eq=False)
class ScaleBattery(ResultMixin):
    """Reliability and item analysis of every construct."""

    reliability: tuple[ReliabilityResult, ...]
    item_analysis: tuple[ItemAnalysisResult, ...]

    def scales(self) -> pd.DataFrame:
        """One row per construct: items, n, alpha and its interval, std_alpha, G6, average_r, omega_total."""
        return pd.DataFrame([{
            "construct": r.name, "items": r.n_items, "n": r.n, "n_complete": r.n_complete, "alpha": r.alpha,
            "alpha_ci_lower": r.alpha_ci[0], "alpha_ci_upper": r.alpha_ci[1], "std_alpha": r.std_alpha,
            "g6": r.g6, "average_r": r.average_r, "omega_total": r.omega_total} for r in self.reliability])

    def to_frame(self) -> pd.DataFrame:
        """One row per item, with its construct."""
        parts = []
        for ia in self.item_analysis:
            t = ia.to_frame()
            t.insert(0, "construct", ia.name)
            parts.append(t)
        return pd.concat(parts, ignore_index=True)

    def to_dict(self) -> dict:
        return to_jsonable({"scales": self.scales(),
                            "constructs": [{"reliability": r.to_dict(), "item_analysis": ia.to_dict()}
                                           for r, ia in zip(self.reliability, self.item_analysis)]})

    def _repr_line(self) -> str:
        return f"ScaleBattery {len(self.reliability)} constructs"

    def summary(self) -> Summary:
        sc = self.scales()
        r0 = self.reliability[0] if self.reliability else None
        level = int(round(r0.ci_level * 100)) if r0 else 95
        sc = sc.rename(columns={"alpha_ci_lower": f"alpha {level}% lower", "alpha_ci_upper": "upper"})
        tables: list[tuple[str, pd.DataFrame]] = [("Reliability by construct", sc)]
        for ia in self.item_analysis:
            t = ia.to_frame()[["item", "mean", "sd", "skew", "kurtosis", "r_drop", "alpha_if_dropped",
                               "omega_if_dropped", "cr_t", "cr_pvalue"]]
            tables.append((f"{ia.name}: items", t.rename(columns={"cr_t": "CR t", "cr_pvalue": "CR p"})))
        notes = []
        if r0 is not None:
            notes.append("Alpha interval: " + (f"percentile bootstrap ({r0.n_boot} resamples, seed {r0.rng_seed})."
                                               if r0.ci_method == "bootstrap" else "Feldt (1965)."))
            notes.append(f"omega_total: one-factor minres omega; {r0.missing} covariances; reverse-keyed items "
                         "recoded before analysis.")
        if self.item_analysis:
            ia = self.item_analysis[0]
            notes.append(f"CR t, CR p: {CR_LABEL}, {'Welch' if ia.cr_test == 'welch' else 'Student'} t-test of the "
                         f"top versus bottom {ia.cr_share:.0%} of the total score (complete rows); not composite "
                         f"reliability. Skewness/kurtosis of type {ia.skew_type} (psych describe()).")
        return Summary(title="Reliability and item analysis", tables=tuple(tables), notes=tuple(notes))


def scale_battery(
    data: SurveyData | Mapping[str, pd.DataFrame],
    *,
    constructs: list[str] | None = None,
    missing: Literal["pairwise", "listwise"] = "pairwise",
    ci: Literal["feldt", "bootstrap"] = "feldt",
    n_boot: int = 1000,
    rng: int | np.random.Generator | None = None,
) -> ScaleBattery:
    """Reliability and item analysis of each construct of ``data``.

    Parameters
    ----------
    data : SurveyData or mapping of name -> DataFrame
        A survey read with its instrument (keyed items of each construct are used), or the
        scales' item frames (already reverse-keyed).
    constructs : list of str, optional
        Construct codes to analyse (default: all).
    missing, ci, n_boot, rng
        As in :func:`reliability`.  With the bootstrap, each construct gets its own seed drawn in
        order from ``rng`` (recorded on its result), so one seed reproduces the whole battery.

    Examples
    --------
    >>> import surveykit as sk
    >>> from surveykit.psychometrics.battery import scale_battery
    >>> data = sk.read_survey(sk.datasets.demo_path("csv"), instrument=sk.datasets.demo_instrument_path())
    >>> b = scale_battery(data, constructs=["IDE"])
    >>> list(b.scales()["construct"])
    ['IDE']
    """
    scales = _scales(data, constructs)
    gen, _seed = make_rng(rng) if ci == "bootstrap" else (None, None)
    rels, ias = [], []
    for code, frame in scales.items():
        # one recorded int seed per construct, drawn from the battery's generator in order
        child = int(gen.integers(0, 2**63 - 1)) if gen is not None else None
        rels.append(reliability(frame, missing=missing, ci=ci, n_boot=n_boot, rng=child, name=code))
        ias.append(item_analysis(frame, missing=missing, name=code))
    return ScaleBattery(tuple(rels), tuple(ias))


@dataclass(frozen=True, repr=False, eq=False)
class FactorBattery(ResultMixin):
    """KMO, Bartlett, parallel analysis (if the number of factors was chosen by it), EFA, Harman."""

    kmo: KMOResult
    bartlett: BartlettResult
    parallel: ParallelAnalysisResult | None
    efa: EFAResult
    harman: HarmanResult

    def to_frame(self) -> pd.DataFrame:
        return self.efa.to_frame()

    def to_dict(self) -> dict:
        return to_jsonable({"kmo": self.kmo.to_dict(), "bartlett": self.bartlett.to_dict(),
                            "parallel": self.parallel.to_dict() if self.parallel is not None else None,
                            "efa": self.efa.to_dict(), "harman": self.harman.to_dict()})

    def _repr_line(self) -> str:
        return f"FactorBattery {self.efa.n_factors} factors"

    def summary(self) -> Summary:
        parts = [self.kmo.summary(), self.bartlett.summary()]
        if self.parallel is not None:
            parts.append(self.parallel.summary())
        parts += [self.efa.summary(), self.harman.summary()]
        tables: list[tuple[str, pd.DataFrame]] = []
        notes: list[str] = []
        for s in parts:
            tables += [(f"{s.title}: {name}", df) for name, df in s.tables]
            notes += list(s.notes)
        return Summary(title="Factor structure", tables=tuple(tables), notes=tuple(dict.fromkeys(notes)))


def factor_battery(
    data: Any,
    *,
    n_factors: int | Literal["auto"] = "auto",
    method: Literal["ml", "minres", "paf", "principal"] = "ml",
    rotation: Literal["oblimin", "promax", "varimax", "geomin"] | None = "oblimin",
    cor: Literal["pearson", "polychoric"] = "pearson",
    missing: Literal["pairwise", "listwise"] = "pairwise",
    n_iter: int = 20,
    rng: int | np.random.Generator | None = None,
) -> FactorBattery:
    """KMO, Bartlett, parallel analysis (``n_factors="auto"``), EFA and Harman's test on all items.

    Examples
    --------
    >>> import surveykit as sk
    >>> from surveykit.psychometrics.battery import factor_battery
    >>> hs = sk.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    >>> factor_battery(hs, rng=1).efa.n_factors
    3
    """
    pa = None
    if n_factors == "auto":
        pa = parallel_analysis(data, n_iter=n_iter, rng=rng, kind="fa", missing=missing, cor=cor)
        k = max(pa.n_factors, 1)
    elif isinstance(n_factors, (int, np.integer)) and not isinstance(n_factors, bool):
        k = int(n_factors)
    else:
        raise SpecError(f"n_factors={n_factors!r} must be 'auto' or a positive integer.")
    return FactorBattery(
        kmo=kmo(data, missing=missing, cor=cor), bartlett=bartlett(data, missing=missing), parallel=pa,
        efa=efa(data, n_factors=k, method=method, rotation=rotation, cor=cor, missing=missing),
        harman=harman(data, missing=missing),
    )
