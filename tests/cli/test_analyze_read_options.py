"""`surveykit analyze --encoding/--layout/--sheet` and the spec's `data:` mapping.

The data are the 600 respondents of the shipped demo survey, written as a Wenjuanxin (问卷星)
export by the same functions as the platform fixtures (tests/data/make_platform_fixtures.py):
GBK-encoded CSV, or an .xlsx workbook whose answers are on a second sheet.  Read with the
right options they give the demo's sample and estimates.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from surveykit.cli.app import app
from surveykit.report.schema import read_results

from ..conftest import write_light_spec
from ..data import make_platform_fixtures as platform


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def one_sentence(stderr: str, *fragments: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("surveykit: error: ") and "Traceback" not in stderr, stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def _wjx_rows() -> list[list[object]]:
    data = pd.read_csv(platform.DEMO / "demo_survey.csv")
    instrument = yaml.safe_load((platform.DEMO / "execution_capacity.yaml").read_text(encoding="utf-8"))
    return platform.wjx(data, instrument, text=False, seconds_only=False)


@pytest.fixture(scope="module")
def wjx_gbk(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wjx") / "wjx_600_gbk.csv"
    platform.write_csv(path, _wjx_rows(), "gbk")
    return path


@pytest.fixture(scope="module")
def wjx_book(tmp_path_factory) -> Path:
    """The export on the second sheet, 答卷数据; the first sheet holds a note."""
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本文件由问卷星导出"])
    sheet = book.create_sheet("答卷数据")
    for row in _wjx_rows():
        sheet.append(row)
    path = tmp_path_factory.mktemp("wjx") / "wjx_600.xlsx"
    book.save(path)
    return path


def _same_as_demo(out: Path, demo_result):
    r = read_results(out / "results.json")
    ref = demo_result.record
    assert r.screening.n_before == 600 and r.screening.n_after == ref.screening.n_after
    assert r.data.missing_codes == ref.data.missing_codes
    # the same numbers in another column order: sums run in another order, so the optimizer stops
    # within its tolerance at a point a few 1e-9 away (rel=1e-7 is still far below any reported digit)
    for mine, theirs in zip(r.structural.rows("~"), ref.structural.rows("~"), strict=True):
        assert mine.est == pytest.approx(theirs.est, rel=1e-7)
    return r


def test_analyze_gbk_wjx_export_with_encoding_and_layout(tmp_path, wjx_gbk, demo_result):
    before = sha(wjx_gbk)
    spec = write_light_spec(tmp_path)
    result = invoke("analyze", spec, "--data", wjx_gbk, "--encoding", "gb18030", "--layout", "wjx",
                    "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    r = _same_as_demo(tmp_path / "out", demo_result)
    assert r.data.file == "wjx_600_gbk.csv" and r.data.encoding == "gb18030"
    assert {m.variable: m.how for m in r.data.matches}["ide_1"] == "label"
    man = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert man["inputs"]["data"]["read"] == {"encoding": "gb18030", "layout": "wjx"}
    # verify re-runs with the recorded read options
    result = invoke("verify", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert sha(wjx_gbk) == before


def test_spec_data_mapping_with_sheet(tmp_path, wjx_book, demo_result):
    spec = write_light_spec(tmp_path, data={"file": str(wjx_book), "sheet": "答卷数据", "layout": "wjx"})
    result = invoke("analyze", spec, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    _same_as_demo(tmp_path / "out", demo_result)
    man = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert man["inputs"]["data"]["read"] == {"layout": "wjx", "sheet": "答卷数据"}
    # --sheet overrides the spec's sheet
    result = invoke("analyze", spec, "--sheet", "第三页", "--out", tmp_path / "other")
    assert result.exit_code == 2
    one_sentence(result.stderr, "wjx_600.xlsx", "第三页")
    assert not (tmp_path / "other").exists()


def test_analyze_read_options_reach_the_reader(tmp_path, wjx_gbk):
    spec = write_light_spec(tmp_path)
    cases = [
        (("--encoding", "utf-8"), ("wjx_600_gbk.csv", "is not valid UTF-8")),
        (("--layout", "surveymonkey"), ("wjx_600_gbk.csv", "Unknown layout='surveymonkey'")),
        (("--sheet", "Sheet1"), ("wjx_600_gbk.csv", "sheet= applies to .xlsx workbooks only")),
        (("--layout", "qualtrics"), ("wjx_600_gbk.csv",)),
    ]
    for options, fragments in cases:
        result = invoke("analyze", spec, "--data", wjx_gbk, *options, "--out", tmp_path / "out")
        assert result.exit_code == 2, (options, result.output)
        one_sentence(result.stderr, *fragments)
    assert not (tmp_path / "out").exists()


def test_spec_data_mapping_keys_are_checked(tmp_path, wjx_gbk):
    for data, fragment in [
        ({"file": str(wjx_gbk), "encodng": "gb18030"}, "key 'data.encodng': Extra inputs are not permitted"),
        ({"file": str(wjx_gbk), "layout": "surveymonkey"}, "key 'data.layout'"),
        ({"encoding": "gb18030"}, "key 'data.file': Field required"),
        ({"file": "  "}, "key 'data.file': must be a file path"),
    ]:
        spec = write_light_spec(tmp_path, data=data)
        result = invoke("analyze", spec, "--out", tmp_path / "out")
        assert result.exit_code == 2, result.output
        one_sentence(result.stderr, str(spec), fragment)


def test_data_override_keeps_the_specs_read_options(tmp_path, wjx_gbk):
    from surveykit.analysis import load_spec

    spec = write_light_spec(tmp_path, data={"file": "elsewhere.csv", "encoding": "gb18030", "layout": "wjx"})
    loaded, _ = load_spec(spec, data=wjx_gbk)
    assert loaded.data_path == wjx_gbk.resolve()
    assert loaded.data.options == {"encoding": "gb18030", "layout": "wjx"}
    (tmp_path / "plain").mkdir()
    plain, _ = load_spec(write_light_spec(tmp_path / "plain"))
    assert plain.data.options == {} and plain.data_path.name == "demo_survey.sav"
