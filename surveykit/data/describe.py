"""Item descriptives of a survey: what every report shows before any model."""

from __future__ import annotations

import pandas as pd

from surveykit.data.survey import SurveyData

__all__ = ["item_descriptives"]


def item_descriptives(data: SurveyData) -> pd.DataFrame:
    """One row per instrument item present in the data, in instrument order: ``item``,
    ``construct``, ``reverse``, ``n`` (answered), ``missing``, ``mean`` and ``sd`` (N - 1) of the
    raw answers, ``mean_keyed`` (after reverse keying) and ``distribution``, the count of each
    point of the item's scale (``{"1": 12, ..., "5": 40}``, raw answers).

    Examples
    --------
    >>> import surveykit as sk
    >>> data = sk.read_survey(sk.datasets.demo_path(), instrument=sk.datasets.demo_instrument_path())
    >>> sk.data.item_descriptives(data).loc[0, ["item", "construct", "n"]].tolist()
    ['ide_1', 'IDE', 600]
    """
    ins = data.instrument
    keyed = data.keyed()
    rows = []
    for c in ins.constructs:
        for it in c.items:
            if it.id not in keyed.columns:
                continue
            col = data.frame[it.id]
            counts = col.value_counts()
            rows.append({
                "item": it.id, "construct": c.code, "reverse": it.reverse, "n": int(col.notna().sum()),
                "missing": int(col.isna().sum()), "mean": float(col.mean()), "sd": float(col.std(ddof=1)),
                "mean_keyed": float(keyed[it.id].mean()),
                "distribution": {str(v): int(counts.get(float(v), 0)) for v in ins.scale_of(it.id).points},
            })
    return pd.DataFrame(rows, columns=["item", "construct", "reverse", "n", "missing", "mean", "sd", "mean_keyed",
                                       "distribution"])
