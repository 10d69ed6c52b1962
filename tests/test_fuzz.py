"""A seeded fuzz test of the command line and the API (issue 13): generated specs, instruments, model syntax
and small data sets must end in exit code 0, 1 or 2 with at most a sentence (never a traceback), write
nothing outside --out, modify no input, and finish in bounded time; the API raises only surveykit's errors.

The number of generated cases is small by default (the suite stays fast); for a long search set
SURVEYKIT_FUZZ_EXAMPLES (e.g. 400, about ten minutes).  Cases it found are kept as regression tests in
tests/cli/test_failures.py.
"""

from __future__ import annotations

import copy
import hashlib
import os
import signal
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import surveykit as sk
from surveykit.cli.app import app
from surveykit.errors import SurveykitError
from tests._tiny import INSTRUMENT, SPEC, tiny_data

EXAMPLES = int(os.environ.get("SURVEYKIT_FUZZ_EXAMPLES", "6"))
CASE_SECONDS = 120  # a case that runs longer counts as a hang
runner = CliRunner()

# -- what is generated -----------------------------------------------------------------------------------------------
NAMES = ["AAA", "BBB", "a1", "a2", "b1", "b3", "p", "q", "r", "x", "1", "AAA2"]
OPS = ["~", "=~", "~~", ":=", "~1", "|"]
EXPR = ["p", "q", "1", "0", "2.5", "-", "+", "*", "/", "^", "(", ")", "log(", "exp(", "sqrt(", "abs(", "1e9"]
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
rarely = st.sampled_from([False, True])


@st.composite
def model_lines(draw, mutate: bool) -> str:
    lines = ["BBB ~ p*AAA"] if not (mutate and draw(rarely)) else []
    for _ in range(draw(st.sampled_from([0, 1, 2, 4])) if mutate else 0):
        op = draw(st.sampled_from(OPS))
        if op == ":=":
            rhs = "".join(draw(st.lists(st.sampled_from(EXPR), min_size=1, max_size=7)))
            lines.append(f"{draw(st.sampled_from(['r', 'q', 'AAA', 'd']))} := {rhs}")
        else:
            lhs = draw(st.sampled_from(NAMES))
            rhs = " + ".join(draw(st.lists(st.sampled_from(NAMES + ["q*AAA", "NA*b1", "0.5*a1"]), min_size=1,
                                           max_size=3)))
            lines.append(f"{lhs} {op} {rhs}")
    return "\n".join(lines) + "\n"


@st.composite
def specs(draw, mutate: bool, model: bool) -> dict:
    spec = copy.deepcopy(SPEC)
    spec["structural"] = {"model": draw(model_lines(model))}
    if mutate and draw(rarely):
        hyp = {"id": draw(st.sampled_from(["H1", "H2", ""])), "kind": draw(st.sampled_from(["path", "defined", "x"])),
               "text": draw(text)}
        hyp[draw(st.sampled_from(["path", "parameter"]))] = draw(st.sampled_from(["BBB ~ AAA", "r", "AAA ~ BBB"]))
        spec["structural"]["hypotheses"] = [hyp] * draw(st.integers(1, 2))
    changes = {
        "name": st.one_of(st.just("tiny"), text, st.sampled_from(["..", ".", "a/b", "ok.name"])),
        "title": st.one_of(text, st.just({"zh": "<b>$x$</b>", "en": "=1+1"})),
        "estimation": st.fixed_dictionaries({"estimator": st.sampled_from(["ML", "MLR", "WLSMV", "GLS"]),
                                             "missing": st.sampled_from(["listwise", "fiml", "pairwise"])}),
        "bootstrap": st.one_of(st.none(), st.fixed_dictionaries({"n_boot": st.sampled_from([1, 100, 10**12]),
                                                                 "jobs": st.just(1)})),
        "screening": st.lists(st.fixed_dictionaries({"rule": st.sampled_from(["longstring", "speed", "mahalanobis",
                                                                               "nope"])}), max_size=2),
        "seed": st.one_of(st.integers(-5, 2**70), text),
        "report": st.fixed_dictionaries({"formats": st.lists(st.sampled_from(["json", "md", "rtf"]), min_size=1,
                                                             max_size=2)}),
    }
    for key in draw(st.lists(st.sampled_from(sorted(changes)), unique=True, min_size=1, max_size=2)) if mutate \
            else []:
        value = draw(changes[key])
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    if spec.get("bootstrap"):
        spec["structural"]["model"] += "d := p*p\n"
    return spec


@st.composite
def instruments(draw, mutate: bool) -> dict:
    ins = copy.deepcopy(INSTRUMENT)
    if not mutate:
        return ins
    scale = ins["scales"]["agree5"]
    if draw(rarely):
        scale["min"], scale["max"] = draw(st.sampled_from([(1, 5), (0, 1), (5, 1), (1, 10**6), (-3, 3)]))
        scale["labels"] = {scale["min"]: "lo"}
    if draw(rarely):
        item = ins["constructs"][draw(st.integers(0, 1))]["items"][draw(st.integers(0, 2))]
        item["id"] = draw(st.one_of(st.sampled_from(["BBB", "b1", "a1", ""]), text))
    if draw(rarely):
        ins["constructs"][1]["items"][0]["reverse"] = draw(st.one_of(st.booleans(), text))
    if draw(rarely):
        ins["constructs"][1]["items"] = ins["constructs"][1]["items"][: draw(st.integers(0, 2))]
    return ins


@st.composite
def datasets(draw, mutate: bool) -> pd.DataFrame:
    n = draw(st.sampled_from([0, 1, 3, 8, 40, 150])) if mutate else 150
    data = tiny_data(n=max(n, 1), seed=draw(st.integers(0, 3))).iloc[:n].astype(float)
    if not mutate:
        return data
    if n and draw(rarely):
        mask = np.random.default_rng(draw(st.integers(0, 9))).random(data.shape) < draw(st.sampled_from([0.1, 0.6]))
        data = data.mask(mask)
    if n and draw(rarely):
        data.iloc[0, draw(st.integers(0, 5))] = draw(st.sampled_from([9.0, -1.0, 1e12, 3.5]))
    if draw(rarely):
        data[data.columns[draw(st.integers(0, 5))]] = data.iloc[:, 0]  # a copied column
    if draw(rarely):
        data = data.drop(columns=[data.columns[draw(st.integers(0, 5))]])
    if draw(rarely):
        data.insert(0, "rid", [draw(st.sampled_from(["=1+1", "@x", "r"])) for _ in range(len(data))])
    return data


@st.composite
def cases(draw) -> tuple[dict, dict, pd.DataFrame]:
    """One area changed at a time (or none), so that most cases get far into the analysis."""
    area = draw(st.sampled_from(["none", "model", "model", "spec", "instrument", "data", "data"]))
    return (draw(specs(area == "spec", area == "model")), draw(instruments(area == "instrument")),
            draw(datasets(area == "data")))


# -- the properties --------------------------------------------------------------------------------------------------
def _tree(folder: Path, skip: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and skip not in p.parents}


def _on_alarm(signum, frame):  # noqa: ARG001
    raise TimeoutError(f"a fuzz case ran longer than {CASE_SECONDS} s")


def _write(folder: Path, spec: dict, ins: dict, data: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ins.yaml").write_text(yaml.safe_dump(ins, allow_unicode=True), encoding="utf-8")
    data.to_csv(folder / "data.csv", index=False)
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _check_command(args: list[str], case: Path, out: Path) -> None:
    before = _tree(case, out)
    res = runner.invoke(app, args)
    assert res.exit_code in (0, 1, 2), (args, res.exit_code, res.output, res.exception)
    assert "Traceback" not in res.output, (args, res.output)
    if res.exit_code == 2:
        assert res.output.startswith("surveykit: error: "), (args, res.output)
    assert _tree(case, out) == before, f"{args}: an input was modified or a file written outside --out"


@pytest.mark.filterwarnings("ignore")
@seed(20261203)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=False, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(case_=cases())
def test_fuzz_cli_and_api(tmp_path_factory, case_):
    spec, ins, data = case_
    case = tmp_path_factory.mktemp("fuzz")
    path = _write(case, spec, ins, data)
    out = case / "out"
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(CASE_SECONDS)
    try:
        _check_command(["analyze", str(path), "--out", str(out)], case, out)
        for command in (["codebook", str(case / "data.csv"), "--instrument", str(case / "ins.yaml"), "--out",
                         str(out / "cb.md")],
                        ["reliability", str(case / "data.csv"), "--instrument", str(case / "ins.yaml"), "--out",
                         str(out / "rel.csv")],
                        ["validate", str(case / "data.csv"), "--instrument", str(case / "ins.yaml")]):
            if out.exists() and not out.is_dir():
                break
            _check_command(command, case, out)
        before = _tree(case, out)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                sk.analyze(path)
            except SurveykitError:
                pass
        assert _tree(case, out) == before
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
