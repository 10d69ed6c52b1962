"""A tiny analysis (two constructs of three items, N = 150, one path, json report only) that runs in
a few seconds: for the tests of failures, which run the pipeline many times."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

INSTRUMENT = {
    "id": "tiny", "version": "1", "title": "Tiny", "default_scale": "agree5",
    "scales": {"agree5": {"min": 1, "max": 5, "labels": {1: "Disagree", 5: "Agree"}}},
    "constructs": [
        {"code": "AAA", "name": "Aaa", "items": [{"id": f"a{i}", "text": f"A {i}"} for i in (1, 2, 3)]},
        {"code": "BBB", "name": "Bbb", "items": [{"id": f"b{i}", "text": f"B {i}"} for i in (1, 2, 3)]},
    ],
}

SPEC = {
    "name": "tiny", "title": "Tiny", "data": "data.csv", "instrument": "ins.yaml", "seed": 1,
    "psychometrics": {"enabled": False}, "cmb": {"single_factor": False},
    "structural": {"model": "BBB ~ p*AAA\n"},
    "report": {"formats": ["json"]},
}


def tiny_data(n: int = 150, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    g = 0.5 * f + rng.normal(size=n)
    cols = {}
    for prefix, latent in (("a", f), ("b", g)):
        for i in (1, 2, 3):
            cols[f"{prefix}{i}"] = np.clip(np.round(3 + latent + 0.8 * rng.normal(size=n)), 1, 5).astype(int)
    return pd.DataFrame(cols)


def write_tiny(folder: Path, *, spec: dict | None = None, instrument: dict | None = None,
               data: pd.DataFrame | None = None) -> Path:
    """Write ins.yaml, data.csv and spec.yaml into ``folder`` (changes replace the defaults' top-level
    keys); returns the spec's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ins.yaml").write_text(yaml.safe_dump(instrument or INSTRUMENT, allow_unicode=True), encoding="utf-8")
    (data if data is not None else tiny_data()).to_csv(folder / "data.csv", index=False)
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump({**SPEC, **(spec or {})}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
