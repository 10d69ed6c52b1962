"""Scoring and summarising a survey file larger than memory, chunk by chunk.

:func:`score_file` reads the file in chunks (:func:`surveykit.io.iter_chunks`), cleans
each chunk exactly as :func:`~surveykit.data.read_survey` cleans a whole file (columns
matched once, answer texts mapped, declared missing codes set to NaN), reverse-keys the
items, scores the constructs and adds each chunk to running sums.  Only one chunk (plus
the chunks worker processes read ahead from SPSS, Stata and SAS files, one each) and the
sums (a few vectors and one items x items matrix) are in memory at a time.  A chunk whose
item columns hold numbers is cleaned, checked, keyed and scored on one float array
(:func:`_score_numeric`); one holding answer texts goes through the steps of
``read_survey`` (:func:`_score_general`).  Both give the same numbers.

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

import itertools
import math
import os
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from surveykit.data.survey import (
    ColumnMatch,
    ColumnPlan,
    TextMapping,
    TextState,
    _declared_missing,
    _tidy,
    clean_frame,
    construct_scores,
    keyed_frame,
    load,
    merge_counts,
    plan_columns,
)
from surveykit.errors import DataError
from surveykit.instrument import Instrument
from surveykit.io import FileMetadata, atomic_path, iter_chunks, safe_frame
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
        missing = np.isnan(x)
        n_b = (len(x) - np.count_nonzero(missing, axis=0)).astype(float)
        dev = np.where(missing, 0.0, x)  # the one full-size temporary
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_b = np.where(n_b > 0, dev.sum(axis=0) / np.where(n_b > 0, n_b, 1), 0.0)
        dev -= mean_b
        dev[missing] = 0.0
        m2_b = np.einsum("ij,ij->j", dev, dev)
        n = self.n + n_b
        delta = mean_b - self.mean
        safe = np.where(n > 0, n, 1)
        self.mean = np.where(n > 0, self.mean + delta * n_b / safe, 0.0)
        self.m2 = self.m2 + m2_b + delta * delta * self.n * n_b / safe
        self.n = n
        if x.size:
            # fmin/fmax skip NaN (a column with no value stays at +inf/-inf)
            self.min = np.fmin(self.min, np.fmin.reduce(x, axis=0))
            self.max = np.fmax(self.max, np.fmax.reduce(x, axis=0))

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
        rows = x[~np.isnan(x).any(axis=1)]  # a copy: centred in place below
        n_b = len(rows)
        if n_b == 0:
            return
        mean_b = rows.mean(axis=0)
        rows -= mean_b
        m2_b = rows.T @ rows
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
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    # the number of rows is not known before the end of a text file: a pulsing bar and the rows so far
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f} rows"),
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
    jobs: int | None = None,
    scores_format: str | None = None,
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
        Write each respondent's construct scores to this CSV (UTF-8) or Parquet file, chunk
        by chunk and atomically (the file appears complete or not at all), with the
        instrument's ``id`` variable first when the data have it.
    scores_format : {'csv', 'parquet'}, optional
        The format of `scores_out`; default: Parquet when its name ends in ``.parquet``,
        else CSV.  Parquet needs pyarrow.
    progress : bool, optional
        Show progress (rows read) with rich on stderr.  Default: only when stderr is a
        terminal.
    jobs : int, optional
        Worker processes reading the chunks of an SPSS, Stata or SAS file ahead of the
        one being scored (see :func:`surveykit.io.iter_chunks`); ``1`` reads in this
        process, ``-1`` uses every core.  Default: one per core, at most 4 (each holds a
        chunk in memory).  The results do not depend on it.

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
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or (jobs < 1 and jobs != -1)):
        raise DataError(f"jobs must be a positive whole number of processes or -1 (every core), got {jobs!r}.")
    fmt = _scores_format(scores_out, scores_format)
    ins = load(instrument)
    source = str(path)
    file = Path(os.fspath(path))
    if scores_out is not None and Path(os.fspath(scores_out)).resolve() == file.resolve():
        raise DataError(f"scores_out '{scores_out}' is the data file itself; write the scores to another file.")
    items = list(ins.item_ids)
    codes = [c.code for c in ins.constructs]
    item_moments, cross, score_moments = Moments(items), CrossProducts(items), Moments(codes)
    counts: dict[str, dict] = {}
    plan: ColumnPlan | None = None
    state: TextState | None = None
    metadata: FileMetadata | None = None
    keying: _Keying | None = None
    n_rows = n_chunks = 0
    id_var = next((r.id for r in ins.respondent if r.type == "id"), None)
    workers = min(4, _cores()) if jobs is None else (_cores() if jobs == -1 else jobs)
    chunks = iter_chunks(file, chunksize=chunksize, format=format, encoding=encoding, layout=layout, jobs=workers)
    with closing(chunks), _scores_writer(scores_out, fmt) as write_scores:
        # the first chunk is read before the progress display starts its thread: reading may
        # fork worker processes, and forking is only safe while this process has one thread
        first = next(chunks)
        advance, stop = _progress(progress, file)
        try:
            for chunk in itertools.chain([first], chunks):
                if plan is None or state is None or keying is None:
                    metadata = chunk.metadata
                    plan = plan_columns([str(c) for c in chunk.frame.columns], ins, metadata, source)
                    _check_items(plan, ins, source)
                    state = TextState(allow_mixed=metadata.layout != "plain")
                    keying = _Keying(ins, min_items)
                first_row = int(chunk.frame.index[0]) if len(chunk.frame) else n_rows
                if _all_numeric(chunk.frame, plan, ins):
                    x, scores, ids, part = _score_numeric(chunk, plan, ins, keying, id_var, source)
                else:
                    x, scores, ids, part = _score_general(chunk, plan, state, ins, min_items, id_var, source,
                                                          first_row)
                merge_counts(counts, part)
                item_moments.add(x)
                cross.add(x)
                score_moments.add(scores)
                write_scores(pd.DataFrame(scores, columns=codes, index=chunk.frame.index), ids, n_chunks == 0)
                n_rows += len(chunk.frame)
                n_chunks += 1
                advance(len(chunk.frame))
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


def _scores_format(path: str | os.PathLike[str] | None, fmt: str | None) -> str:
    if fmt is None:
        return "parquet" if path is not None and Path(os.fspath(path)).suffix.lower() == ".parquet" else "csv"
    if fmt not in ("csv", "parquet"):
        raise DataError(f"scores_format must be 'csv' or 'parquet', got {fmt!r}.")
    return fmt


def _cores() -> int:
    """The cores this process may use (a container or taskset may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class _Keying:
    """The instrument's items as arrays: which are reversed, their scales, the construct columns."""

    def __init__(self, ins: Instrument, min_items: int | None) -> None:
        index = {item: j for j, item in enumerate(ins.item_ids)}
        self.scales = [ins.scale_of(i) for i in ins.item_ids]
        self.reverse = [j for j, i in enumerate(ins.item_ids) if ins.item(i).reverse]
        self.blocks = []
        for c in ins.constructs:
            cols = [index[it.id] for it in c.items]
            need = min_items if min_items is not None else math.ceil(len(cols) / 2)
            self.blocks.append((np.array(cols), need))


def _all_numeric(frame: pd.DataFrame, plan: ColumnPlan, ins: Instrument) -> bool:
    """Whether every column clean_frame would decode holds numbers (then no answer text needs mapping)."""
    decoded = set(ins.item_ids) | set(ins.attention_ids) | {r.id for r in ins.respondent if r.type == "categorical"}
    return all(
        pd.api.types.is_numeric_dtype(frame[m.column]) for m in plan.matches
        if m.column is not None and m.variable in decoded
    )


def _score_numeric(chunk, plan: ColumnPlan, ins: Instrument, keying: _Keying, id_var: str | None, source: str):
    """One chunk whose item columns hold numbers, in numpy: what :func:`_score_general` computes.

    The same steps as ``clean_frame`` + ``_check_range`` + ``keyed_frame`` +
    ``construct_scores`` (declared missing codes to NaN with their counts, out-of-range
    codes refused, ``min + max - x`` for reverse-keyed items, means of the answered items),
    on one float array instead of a frame copied per step.
    """
    frame, metadata = chunk.frame, chunk.metadata
    column_of = {m.variable: m.column for m in plan.matches if m.column is not None}
    items = list(ins.item_ids)
    x = np.empty((len(frame), len(items)), order="F")  # column j contiguous: the loops below run down columns
    found: dict[str, dict] = {}
    for j, item in enumerate(items):
        x[:, j] = frame[column_of[item]].to_numpy(dtype=float, na_value=np.nan)
        found[item] = _mask_missing(x[:, j], keying.scales[j].missing, metadata, column_of[item])
    for a in ins.attention_checks:
        if a.id in column_of:  # cleaned only for the counts: scoring does not use them
            col = frame[column_of[a.id]].to_numpy(dtype=float, na_value=np.nan, copy=True)
            found[a.id] = _mask_missing(col, ins.scale_of_check(a.id).missing, metadata, column_of[a.id])
    part = {m.variable: found[m.variable] for m in plan.matches if found.get(m.variable)}
    if _any_off_scale(x, keying):
        _raise_off_scale(x, frame.index, items, keying, source)
    for j in keying.reverse:
        sc = keying.scales[j]
        x[:, j] = (sc.min + sc.max) - x[:, j]
    scores = np.empty((len(frame), len(keying.blocks)))
    with np.errstate(invalid="ignore", divide="ignore"):
        for k, (cols, need) in enumerate(keying.blocks):
            block = x[:, cols]
            missing = np.isnan(block)
            answered = block.shape[1] - np.count_nonzero(missing, axis=1)
            block[missing] = 0.0  # block is a copy (fancy indexing)
            scores[:, k] = np.where((answered >= need) & (answered > 0), block.sum(axis=1) / answered, np.nan)
    ids = frame[column_of[id_var]].rename(id_var) if id_var is not None and id_var in column_of else None
    return x, scores, ids, part


def _any_off_scale(x: np.ndarray, keying: _Keying) -> bool:
    """Whether any answered cell is not a point of its item's scale.

    Column by column: a column (one chunk of one item) stays in the CPU cache for the few
    comparisons, which measured twice as fast as whole-array passes (min/max/floor).
    """
    for j, sc in enumerate(keying.scales):
        col = x[:, j]
        if (~np.isin(col, sc.points) & ~np.isnan(col)).any():
            return True
    return False


def _raise_off_scale(x: np.ndarray, index: pd.Index, items: list[str], keying: _Keying, source: str) -> None:
    """The error ``_check_range`` raises: the first item (in instrument order) with off-scale codes."""
    for j, item in enumerate(items):
        col, sc = x[:, j], keying.scales[j]
        bad = ~np.isnan(col) & ~np.isin(col, sc.points)
        if bad.any():
            where = np.flatnonzero(bad)
            rows = [int(i) + 1 for i in index[where[:5]]]
            values = ", ".join(f"{v:g}" for v in np.unique(col[where])[:5])
            raise DataError(
                f"{source}: item '{item}' has values outside its scale {sc.min}-{sc.max} ({values}) at data row(s) "
                f"{', '.join(map(str, rows))}. Declare them as missing codes in the scale or recode the data "
                "('surveykit validate' lists every problem)."
            )


def _mask_missing(col: np.ndarray, scale_missing, metadata: FileMetadata | None, column: str) -> dict:
    """Set the declared missing codes of one column to NaN in place; their counts, by code (ascending)."""
    codes, ranges, _tokens = _declared_missing(scale_missing, metadata, column)
    mask = np.zeros(len(col), dtype=bool)
    counts: dict = {}
    for code in sorted(codes):
        hit = col == code
        n = int(np.count_nonzero(hit))
        if n:
            counts[_tidy(code)] = n
            mask |= hit
    if ranges:
        for lo, hi in ranges:
            mask |= (col >= lo) & (col <= hi)
        values, n = np.unique(col[mask], return_counts=True)
        counts = {_tidy(v): int(c) for v, c in zip(values, n)}
    col[mask] = np.nan
    return counts


def _score_general(chunk, plan: ColumnPlan, state: TextState, ins: Instrument, min_items: int | None,
                   id_var: str | None, source: str, first_row: int):
    """One chunk through the steps of read_survey (answer texts mapped to codes, then keyed and scored)."""
    frame, part = clean_frame(chunk.frame, chunk.metadata, ins, plan, state, source=source, first_row=first_row)
    _check_range(frame, ins, source)
    keyed = keyed_frame(frame[list(ins.item_ids)], ins).astype(float)
    scores = construct_scores(keyed, ins, min_items=min_items)
    ids = frame[id_var] if id_var is not None and id_var in frame.columns else None
    return keyed.to_numpy(), scores.to_numpy(dtype=float), ids, part


class _scores_writer:
    """Context manager: a function writing score chunks to `path` (atomically), or a no-op.

    CSV is written chunk by chunk through one text handle; Parquet through one
    ``pyarrow.parquet.ParquetWriter`` (one row group per chunk), whose schema is that of the
    first chunk.  Either way only one chunk of scores is in memory.
    """

    def __init__(self, path: str | os.PathLike[str] | None, fmt: str = "csv") -> None:
        self.path = path
        self.fmt = fmt
        self._atomic = None
        self._handle = None
        self._parquet = None

    def __enter__(self) -> Callable[[pd.DataFrame, pd.Series | None, bool], None]:
        if self.path is None:
            return lambda *_args: None
        if self.fmt == "parquet":
            from surveykit.io.parquet import pyarrow_available

            if not pyarrow_available():
                raise DataError(
                    f"Writing the scores to '{self.path}' as Parquet needs the pyarrow package, which is not "
                    "installed. Install it with: pip install pyarrow (or write .csv)."
                )
        self._atomic = atomic_path(self.path)
        tmp = self._atomic.__enter__()
        if self.fmt == "csv":
            self._handle = open(tmp, "w", encoding="utf-8", newline="")

        def write(scores: pd.DataFrame, ids: pd.Series | None, first: bool) -> None:
            out = scores if ids is None else pd.concat([ids, scores], axis=1)
            if self.fmt == "csv":
                # ids that a spreadsheet would run as a formula get a leading quote (OWASP)
                safe_frame(out).to_csv(self._handle, index=False, header=first, lineterminator="\n")
                return
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self._parquet is None:
                table = pa.Table.from_pandas(out, preserve_index=False)
                self._parquet = pq.ParquetWriter(tmp, table.schema)
            else:
                table = pa.Table.from_pandas(out, schema=self._parquet.schema, preserve_index=False)
            self._parquet.write_table(table)

        return write

    def __exit__(self, *exc: object) -> None:
        if self._atomic is None:
            return
        if self._handle is not None:
            self._handle.close()
        if self._parquet is not None:
            self._parquet.close()
        self._atomic.__exit__(*exc)
