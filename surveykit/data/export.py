"""Writing survey data with the instrument's meaning attached (labels, missing codes)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from surveykit.errors import SpecError
from surveykit.instrument import Instrument
from surveykit.io import write_csv, write_sav

__all__ = ["write_survey"]


def write_survey(frame: pd.DataFrame, path: str | Path, instrument: Instrument, *, file_label: str | None = None,
                 lang: str = "zh") -> Path:
    """Write ``frame`` as .sav (variable and value labels, user-missing codes, measurement
    levels and file label from the instrument) or .csv (plain UTF-8), chosen by extension."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".csv":
        write_csv(frame, p)
        return p
    if ext != ".sav":
        raise SpecError(f"Cannot write {p}: choose a .sav or .csv file name.")
    var_labels: dict[str, str] = {}
    value_labels: dict[str, dict] = {}
    missing: dict[str, list] = {}
    measure: dict[str, str] = {}
    for it in instrument.items:
        if it.id not in frame.columns:
            continue
        sc = instrument.scale_of(it.id)
        var_labels[it.id] = it.text.get(lang)
        labels = {k: v.get(lang) for k, v in sc.labels.items()}
        labels.update({k: v.get(lang) for k, v in sc.missing.items()})
        value_labels[it.id] = labels
        if sc.missing:
            missing[it.id] = sorted(sc.missing)
        measure[it.id] = "ordinal"
    for r in instrument.respondent:
        if r.id not in frame.columns:
            continue
        var_labels[r.id] = r.label.get(lang)
        if r.codes:
            value_labels[r.id] = {k: v.get(lang) for k, v in r.codes.items()}
            measure[r.id] = "nominal"
        else:
            measure[r.id] = "scale" if r.type in ("numeric", "duration", "weight") else "nominal"
    write_sav(frame, p, variable_labels=var_labels, value_labels=value_labels, missing_values=missing,
              measure=measure, file_label=file_label)
    return p
