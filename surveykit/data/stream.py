"""Scoring and summarising a survey file larger than memory, chunk by chunk.

:func:`score_file` reads the file in chunks (:func:`surveykit.io.iter_chunks`), cleans
each chunk exactly as :func:`~surveykit.data.read_survey` cleans a whole file (columns
matched once, answer texts mapped, declared missing codes set to NaN), reverse-keys the
items, scores the constructs and adds each chunk to running sums.  Only one chunk and
the sums (a few vectors and one items x items matrix) are in memory at a time.

The running sums are merged with the pairwise update of Chan, Golub & LeVeque (1979):
for two parts with counts :math:`n_a, n_b`, means :math:`\\bar x_a, \\bar x_b` and centred
cross-product matrices :math:`M_a, M_b`,

.. math::

    n = n_a + n_b,\\quad \\delta = \\bar x_b - \\bar x_a,\\quad
    \\bar x = \\bar x_a + \\delta\\, n_b / n,\\quad
    M = M_a + M_b + \\delta\\delta^\\top n_a n_b / n,

and each chunk's own :math:`M_b` is computed around its own mean (two passes over the
chunk), so there is no cancellation of large sums: the result agrees with the covariance
of the whole file to rounding (tested to 1e-12), whatever the chunk size.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from surveykit.data.survey import (
    ColumnMatch,
    ColumnPlan,
    TextMapping,
    TextState,
    clean_frame,
    construct_scores,
    keyed_frame,
    load,
    merge_counts,
    plan_columns,
)
from surveykit.errors import DataError
from surveykit.instrument import Instrument
from surveykit.io import FileMetadata, atomic_path, iter_chunks
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["StreamSummary", "score_file", "Moments"]


class Moments:
    """Running count, mean, centred sum of squares, min and max of each column (NaN skipped).

    Parameters
    ----------
    names : list of str
        Column names.
    """

    def __init__(self, names: list[str]) -> None:
        k = len(names)
        self.names = list(names)
        self.n = np.zeros(k)
        self.mean = np.zeros(k)
        self.m2 = np.zeros(k)
        self.min = np.full(k, np.inf)
        self.max = np.full(k, -np.inf)

    def add(self, x: np.ndarray) -> None:
        """Merge the rows of `x` (n x k, NaN for missing) into the sums."""
        present = ~np.isnan(x)
        n_b = present.sum(axis=0).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_b = np.where(n_b > 0, np.nansum(x, axis=0) / np.where(n_b > 0, n_b, 1), 0.0)
        dev = np.where(present, x - mean_b, 0.0)
        m2_b = (dev * dev).sum(axis=0)
        n = self.n + n_b
        delta = mean_b - self.mean
        safe = np.where(n > 0, n, 1)
        self.mean = np.where(n > 0, self.mean + delta * n_b / safe, 0.0)
        self.m2 = self.m2 + m2_b + delta * delta * self.n * n_b / safe
        self.n = n
        if x.size:
            with np.errstate(invalid="ignore"):
                self.min = np.fmin(self.min, np.nanmin(np.where(present, x, np.inf), axis=0))
                self.max = np.fmax(self.max, np.nanmax(np.where(present, x, -np.inf), axis=0))

    def frame(self) -> pd.DataFrame:
        """n, mean, sd (N - 1 divisor), min, max per column (NaN where undefined)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.where(self.n > 1, self.m2 / (self.n - 1), np.nan))
        has = self.n > 0
        return pd.DataFrame(
            {
                "n": self.n.astype(int),
                "mean": np.where(has, self.mean, np.nan),
                "sd": sd,
                "min": np.where(has, self.min, np.nan),
                "max": np.where(has, self.max, np.nan),
            },
            index=pd.Index(self.names, name="variable"),
        )


class CrossProducts:
    """Running count, mean vector and centred cross-product matrix of the complete rows.

    Parameters
    ----------
    names : list of str
        Column names.
    """

    def __init__(self, names: list[str]) -> None:
        k = len(names)
        self.names = list(names)
        self.n = 0
        self.mean = np.zeros(k)
        self.m2 = np.zeros((k, k))

    def add(self, x: np.ndarray) -> None:
        """Merge the complete rows of `x` (rows with any NaN are skipped: listwise)."""
        rows = x[~np.isnan(x).any(axis=1)]
        n_b = len(rows)
        if n_b == 0:
            return
        mean_b = rows.mean(axis=0)
        dev = rows - mean_b
        m2_b = dev.T @ dev
        n = self.n + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * (n_b / n)
        self.m2 = self.m2 + m2_b + np.outer(delta, delta) * (self.n * n_b / n)
        self.n = n

    def covariance(self) -> pd.DataFrame:
        """The covariance matrix (N - 1 divisor) of the complete rows."""
        cov = self.m2 / (self.n - 1) if self.n > 1 else np.full_like(self.m2, np.nan)
        return pd.DataFrame(cov, index=self.names, columns=self.names)


@dataclass(frozen=True)
class StreamSummary(ResultMixin):
    """What :func:`score_file` accumulated over the chunks of a file.

    ``items`` describes each keyed item over the rows that answered it (n, n_missing,
    mean, sd, min, max); ``covariance`` and ``means`` are those of the keyed items over the
    ``n_complete`` rows that answered every item (listwise, N - 1 divisor, as lavaan's
    sample statistics with ``missing="listwise"``); ``scores`` describes the construct
    scores (the mean of the answered keyed items, as :meth:`SurveyData.scores`).
    """

    source: str
    n_rows: int
    n_chunks: int
    n_complete: int
    items: pd.DataFrame
    means: pd.Series
    covariance: pd.DataFrame
    scores: pd.DataFrame
    missing_code_counts: dict
    matches: tuple[ColumnMatch, ...]
    unknown_columns: tuple[str, ...]
    text_mappings: tuple[TextMapping, ...]
    metadata: FileMetadata | None = field(default=None, repr=False)
    scores_path: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """The item table (tidy, unrounded)."""
        return self.items.copy()

    def to_dict(self) -> dict:
        return to_jsonable({
            "file": self.source, "n_rows": self.n_rows, "n_chunks": self.n_chunks, "n_complete": self.n_complete,
            "items": self.items.reset_index(), "scores": self.scores.reset_index(),
            "means": self.means, "covariance": {k: v for k, v in self.covariance.to_dict(orient="index").items()},
            "missing_codes": self.missing_code_counts,
            "matches": [m.__dict__ for m in self.matches],
            "text_mappings": [m.__dict__ for m in self.text_mappings],
            "scores_file": self.scores_path,
        })

    def _repr_line(self) -> str:
        return f"StreamSummary {Path(self.source).name}: n={self.n_rows} in {self.n_chunks} chunk(s)"

    def summary(self) -> Summary:
        return Summary(
            title=f"{Path(self.source).name}: {self.n_rows} rows read in {self.n_chunks} chunk(s), "
                  f"{self.n_complete} complete on every item",
            tables=(("Items (reverse-keyed)", self.items.reset_index()),
                    ("Construct scores", self.scores.reset_index())),
            notes=("Covariances use the rows complete on every item (listwise), divisor N - 1.",),
        )


def _progress(enabled: bool | None, source: Path) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A rows-read callback and a closer: a rich progress display on stderr, on a terminal only."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return (lambda _n: None), (lambda: None)
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,.0f} rows"),
        TimeElapsedColumn(), console=Console(stderr=True), transient=True,
    )
    task = progress.add_task(f"Scoring {source.name}", total=None)
    progress.start()
    return (lambda n: progress.advance(task, n)), progress.stop


def _check_items(plan: ColumnPlan, ins: Instrument, source: str) -> None:
    missing = [m.variable for m in plan.matches if m.column is None and m.variable in set(ins.item_ids)]
    if missing:
        raise DataError(
            f"{source}: item(s) {', '.join(missing)} of instrument '{ins.id}' are not columns of the file (matched "
            "by id, alias or label); add the columns or declare aliases before scoring."
        )


def _check_range(frame: pd.DataFrame, ins: Instrument, source: str) -> None:
    for it in ins.items:
        col = frame[it.id]
        sc = ins.scale_of(it.id)
        bad = col.notna() & ~col.isin(sc.points)
        if bad.any():
            rows = [int(i) + 1 for i in frame.index[bad.to_numpy()][:5]]
            values = ", ".join(f"{v:g}" for v in sorted(col[bad].unique())[:5])
            raise DataError(
                f"{source}: item '{it.id}' has values outside its scale {sc.min}-{sc.max} ({values}) at data row(s) "
                f"{', '.join(map(str, rows))}. Declare them as missing codes in the scale or recode the data "
                "('surveykit validate' lists every problem)."
            )


def score_file(
    path: str | os.PathLike[str],
    instrument: Instrument | str | os.PathLike[str],
    *,
    chunksize: int = 100_000,
    format: str | None = None,
    encoding: str | None = None,
    layout: str | None = None,
    min_items: int | None = None,
    scores_out: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> StreamSummary:
    """Score and summarise a survey file in chunks, without holding it in memory.

    Each chunk is cleaned as :func:`~surveykit.data.read_survey` cleans a whole file
    (columns matched to the instrument once, from the first chunk; answer texts mapped
    to codes; declared missing codes set to NaN), checked for out-of-range codes,
    reverse-keyed and scored; then added to running sums (see the module docstring for
    the numerically stable merge).  The results equal those of reading the whole file
    (``read_survey`` then pandas/numpy) to rounding, whatever `chunksize`.

    Parameters
    ----------
    path : str or os.PathLike
        The data file (any format :func:`surveykit.io.read_file` reads; SPSS, Stata, SAS,
        CSV and Parquet files are read with bounded memory, .xlsx sheets whole).
    instrument : Instrument, str or os.PathLike
        The instrument, or its YAML file.
    chunksize : int, default 100_000
        Rows per chunk.
    format, encoding, layout
        As for :func:`surveykit.io.read_file`.
    min_items : int, optional
        As for :meth:`SurveyData.scores` (default: half the construct's items, rounded up).
    scores_out : str or os.PathLike, optional
        Write each respondent's construct scores to this CSV file (UTF-8, chunk by chunk,
        atomically: the file appears complete or not at all), with the instrument's ``id``
        variable first when the data have it.
    progress : bool, optional
        Show progress (rows read) with rich on stderr.  Default: only when stderr is a
        terminal.

    Returns
    -------
    StreamSummary

    Raises
    ------
    ReadError
        If the file cannot be read.
    DataError
        If items are missing from the file, a column holds an answer text that is no label
        of its scale, or an item has out-of-range codes (naming the data row).

    Examples
    --------
    >>> import surveykit as sk
    >>> from surveykit.data import score_file
    >>> s = score_file(sk.datasets.demo_path("sav"), sk.datasets.demo_instrument_path(), chunksize=250)
    >>> s.n_rows, s.n_chunks
    (600, 3)
    """
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise DataError(f"chunksize must be a positive whole number of rows, got {chunksize!r}.")
    ins = load(instrument)
    source = str(path)
    file = Path(os.fspath(path))
    items = list(ins.item_ids)
    codes = [c.code for c in ins.constructs]
    item_moments, cross, score_moments = Moments(items), CrossProducts(items), Moments(codes)
    counts: dict[str, dict] = {}
    plan: ColumnPlan | None = None
    state: TextState | None = None
    metadata: FileMetadata | None = None
    n_rows = n_chunks = 0
    id_var = next((r.id for r in ins.respondent if r.type == "id"), None)
    advance, stop = _progress(progress, file)
    with _scores_writer(scores_out) as write_scores:
        try:
            for chunk in iter_chunks(file, chunksize=chunksize, format=format, encoding=encoding, layout=layout):
                if plan is None or state is None:
                    metadata = chunk.metadata
                    plan = plan_columns([str(c) for c in chunk.frame.columns], ins, metadata, source)
                    _check_items(plan, ins, source)
                    state = TextState(allow_mixed=metadata.layout != "plain")
                first_row = int(chunk.frame.index[0]) if len(chunk.frame) else n_rows
                frame, part = clean_frame(chunk.frame, chunk.metadata, ins, plan, state, source=source,
                                          first_row=first_row)
                merge_counts(counts, part)
                _check_range(frame, ins, source)
                keyed = keyed_frame(frame[items], ins).astype(float)
                x = keyed.to_numpy()
                item_moments.add(x)
                cross.add(x)
                scores = construct_scores(keyed, ins, min_items=min_items)
                score_moments.add(scores.to_numpy(dtype=float))
                ids = frame[id_var] if id_var is not None and id_var in frame.columns else None
                write_scores(scores, ids, n_chunks == 0)
                n_rows += len(frame)
                n_chunks += 1
                advance(len(frame))
        finally:
            stop()
    assert plan is not None and state is not None  # iter_chunks yields at least one chunk
    table = item_moments.frame()
    table.insert(1, "n_missing", n_rows - table["n"])
    table.insert(0, "construct", [ins.construct_of(i).code for i in items])
    table.insert(1, "reverse", [ins.item(i).reverse for i in items])
    table.index.name = "item"
    score_table = score_moments.frame()
    score_table.index.name = "construct"
    return StreamSummary(
        source=source, n_rows=n_rows, n_chunks=n_chunks, n_complete=cross.n, items=table,
        means=pd.Series(cross.mean if cross.n else np.full(len(items), np.nan), index=items, name="mean"),
        covariance=cross.covariance(), scores=score_table, missing_code_counts=counts, matches=plan.matches,
        unknown_columns=plan.unknown, text_mappings=state.mappings(), metadata=metadata,
        scores_path=None if scores_out is None else str(scores_out),
    )


class _scores_writer:
    """Context manager: a function writing score chunks to `path` (atomically), or a no-op."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = path
        self._atomic = None
        self._handle = None

    def __enter__(self) -> Callable[[pd.DataFrame, pd.Series | None, bool], None]:
        if self.path is None:
            return lambda *_args: None
        self._atomic = atomic_path(self.path)
        tmp = self._atomic.__enter__()
        self._handle = open(tmp, "w", encoding="utf-8", newline="")

        def write(scores: pd.DataFrame, ids: pd.Series | None, first: bool) -> None:
            out = scores if ids is None else pd.concat([ids, scores], axis=1)
            out.to_csv(self._handle, index=False, header=first, lineterminator="\n")

        return write

    def __exit__(self, *exc: object) -> None:
        if self._atomic is None:
            return
        self._handle.close()
        self._atomic.__exit__(*exc)
