#!/usr/bin/env python3
"""Compare two directories of R reference JSON files field by field.

Usage (from tests/reference/)::

    python3 compare_reference.py lavaan/ /tmp/regenerated/ [--rtol 1e-8]

Typical use: regenerate the reference values into a scratch directory with
``Rscript make_reference.R /tmp/regenerated`` (and
``Rscript make_bootstrap_reference.R /tmp/regenerated``) and check that they
agree with the committed files in ``lavaan/``.

Rules
-----
* Files, object keys, list lengths, strings, booleans and nulls must match
  exactly (key order is not checked).
* Numbers are compared with a relative tolerance: ``|a - b| <= rtol *
  max(|a|, |b|)`` (default ``rtol = 1e-8``), or ``|a - b| <= atol`` for values
  near zero (default ``atol = 1e-12``).
* Random values (the bootstrap intervals and SEs in pd_sem_bootstrap.json,
  fa.parallel eigenvalues in efa.json) are compared with the same tolerance
  but their differences are only reported as warnings unless
  ``--strict-random`` is given: with the same seed and software versions they
  reproduce exactly, otherwise they differ by Monte Carlo error.
* Differences in software-version fields (VERSIONS.json, ``versions`` inside
  pd_sem_bootstrap.json) are reported for information only.

The script prints, per file, how many numbers were compared and the largest
relative difference, then lists the differences.  The exit status is 1 if any
non-informational difference exceeds the tolerance, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Paths (file name, then a regex on the JSON path) holding random values.
RANDOM_FIELDS = [
    ("pd_sem_bootstrap.json", re.compile(r"^(percentile|bca_simple)\[\d+\]\.(se|ci\.lower|ci\.upper)$")),
    ("efa.json", re.compile(r"^parallel\.(fa_values|pc_values|nfact|ncomp)(\[\d+\])?$")),
]

# Paths whose differences are informational (software versions, BLAS path).
INFO_FIELDS = [
    ("VERSIONS.json", re.compile(r".*")),
    ("pd_sem_bootstrap.json", re.compile(r"^versions\.")),
]


def _matches(rules, fname: str, path: str) -> bool:
    return any(fname == f and rx.search(path) for f, rx in rules)


@dataclass
class Difference:
    path: str
    kind: str          # "value", "number", "structure", "missing"
    expected: object
    actual: object
    rel: float = math.nan
    category: str = "deterministic"   # or "random" / "info"

    def describe(self) -> str:
        what = f"[{self.category}] {self.path}: "
        if self.kind == "number":
            return what + f"{self.expected!r} vs {self.actual!r} (rel diff {self.rel:.3g})"
        return what + f"{self.kind}: {_short(self.expected)} vs {_short(self.actual)}"


@dataclass
class FileReport:
    name: str
    n_numbers: int = 0
    max_rel: float = 0.0          # over deterministic numbers
    max_rel_random: float = 0.0   # over random numbers
    diffs: list[Difference] = field(default_factory=list)

    def failing(self, strict_random: bool) -> list[Difference]:
        bad = {"deterministic"} | ({"random"} if strict_random else set())
        return [d for d in self.diffs if d.category in bad]


def _short(x: object, n: int = 80) -> str:
    s = json.dumps(x) if not isinstance(x, str) else repr(x)
    return s if len(s) <= n else s[: n - 3] + "..."


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def rel_diff(a: float, b: float) -> float:
    if a == b:
        return 0.0
    if math.isnan(a) or math.isnan(b):
        return math.inf
    scale = max(abs(a), abs(b))
    return abs(a - b) / scale if scale > 0 else 0.0


class Comparer:
    def __init__(self, rtol: float, atol: float):
        self.rtol = rtol
        self.atol = atol

    def compare_file(self, fname: str, expected: object, actual: object) -> FileReport:
        report = FileReport(fname)
        self._walk(report, "", expected, actual)
        return report

    def _category(self, fname: str, path: str) -> str:
        if _matches(INFO_FIELDS, fname, path):
            return "info"
        if _matches(RANDOM_FIELDS, fname, path):
            return "random"
        return "deterministic"

    def _add(self, report: FileReport, path: str, kind: str, exp, act, rel=math.nan):
        report.diffs.append(
            Difference(path, kind, exp, act, rel, self._category(report.name, path)))

    def _walk(self, report: FileReport, path: str, exp: object, act: object) -> None:
        if isinstance(exp, dict) and isinstance(act, dict):
            for key in exp.keys() | act.keys():
                sub = f"{path}.{key}" if path else key
                if key not in act:
                    self._add(report, sub, "missing in second", exp[key], None)
                elif key not in exp:
                    self._add(report, sub, "extra in second", None, act[key])
                else:
                    self._walk(report, sub, exp[key], act[key])
        elif isinstance(exp, list) and isinstance(act, list):
            if len(exp) != len(act):
                self._add(report, path, "length", len(exp), len(act))
            for i, (e, a) in enumerate(zip(exp, act)):
                self._walk(report, f"{path}[{i}]", e, a)
        elif _is_number(exp) and _is_number(act):
            report.n_numbers += 1
            e, a = float(exp), float(act)
            rel = rel_diff(e, a)
            category = self._category(report.name, path)
            if category == "random":
                report.max_rel_random = max(report.max_rel_random, rel)
            elif category == "deterministic":
                report.max_rel = max(report.max_rel, rel)
            if rel > self.rtol and abs(e - a) > self.atol:
                self._add(report, path, "number", exp, act, rel)
        elif exp != act or type(exp) is not type(act):
            self._add(report, path, "value", exp, act)


def compare_dirs(first: Path, second: Path, comparer: Comparer) -> tuple[list[FileReport], list[str]]:
    names_a = {p.name for p in first.glob("*.json")}
    names_b = {p.name for p in second.glob("*.json")}
    problems = [f"only in {first}: {n}" for n in sorted(names_a - names_b)]
    problems += [f"only in {second}: {n}" for n in sorted(names_b - names_a)]
    reports = []
    for name in sorted(names_a & names_b):
        exp = json.loads((first / name).read_text())
        act = json.loads((second / name).read_text())
        reports.append(comparer.compare_file(name, exp, act))
    return reports, problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("first", type=Path, help="reference directory (e.g. lavaan/)")
    ap.add_argument("second", type=Path, help="directory to compare against it")
    ap.add_argument("--rtol", type=float, default=1e-8, help="relative tolerance (default 1e-8)")
    ap.add_argument("--atol", type=float, default=1e-12,
                    help="absolute tolerance for values near zero (default 1e-12)")
    ap.add_argument("--strict-random", action="store_true",
                    help="treat differences in random (bootstrap / parallel-analysis) values as failures")
    ap.add_argument("--max-list", type=int, default=20,
                    help="list at most this many differences per file (default 20)")
    args = ap.parse_args(argv)

    for d in (args.first, args.second):
        if not d.is_dir():
            ap.error(f"not a directory: {d}")

    reports, problems = compare_dirs(args.first, args.second, Comparer(args.rtol, args.atol))

    print(f"comparing {args.first} with {args.second}  (rtol={args.rtol:g}, atol={args.atol:g})")
    print(f"{'file':<26}{'numbers':>9}{'max rel diff':>15}{'random max rel':>16}{'diffs':>7}  status")
    n_fail = 0
    for r in reports:
        failing = r.failing(args.strict_random)
        n_fail += len(failing)
        has_random = r.name in {f for f, _ in RANDOM_FIELDS}
        status = "FAIL" if failing else ("ok (see notes)" if r.diffs else "ok")
        rnd = f"{r.max_rel_random:15.3g}" if has_random else f"{'-':>15}"
        print(f"{r.name:<26}{r.n_numbers:>9}{r.max_rel:15.3g} {rnd}{len(r.diffs):>7}  {status}")
    for p in problems:
        print("FILE SET:", p)

    for r in reports:
        if not r.diffs:
            continue
        print(f"\n{r.name}: {len(r.diffs)} difference(s)")
        # structural differences first (rel is NaN), then the largest numeric ones
        order = sorted(r.diffs, key=lambda d: (d.category, 0 if math.isnan(d.rel) else 1, -(d.rel if not math.isnan(d.rel) else 0)))
        for d in order[: args.max_list]:
            print("  " + d.describe())
        if len(r.diffs) > args.max_list:
            print(f"  ... {len(r.diffs) - args.max_list} more")

    ok = n_fail == 0 and not problems
    print("\nRESULT:", "all deterministic values agree" if ok else f"{n_fail} difference(s) beyond tolerance"
          + (f", {len(problems)} file-set problem(s)" if problems else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
