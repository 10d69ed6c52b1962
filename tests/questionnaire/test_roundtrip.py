"""Round trips: simulated responses written as each platform downloads them, read back with no mapping.

For each platform layout and encoding the file is read by ``read_survey(path, instrument=...)``
with no layout, column mapping or code mapping given, and every answer, the declared missing
codes (8 不清楚, 9 拒答, counted per item), the item texts as labels and the attention check
must come back; ``validate`` reports the match and ``surveykit validate`` exits 0.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import surveykit as sk
from surveykit.cli.app import app
from surveykit.errors import SpecError
from surveykit.questionnaire import build_form, platform_export

CASES = [  # (platform, file format, encoding, lang)
    ("wjx", "csv", "gbk", "zh"),
    ("wjx", "csv", "utf-8-sig", "zh"),
    ("wjx", "xlsx", None, "zh"),
    ("qualtrics", "csv", "utf-8-sig", "en"),
    ("qualtrics", "csv", "utf-8-sig", "zh"),
    ("kobo", "csv", "utf-8", "both"),
    ("kobo", "xlsx", None, "both"),
]


def _expected(instrument, responses):
    items = [*instrument.item_ids, "att_1"]
    frame = responses[items].astype(float)
    counts = {}
    for i in instrument.item_ids:
        found = responses[i].value_counts()
        c = {int(k): int(found[k]) for k in (8, 9) if k in found.index}
        if c:
            counts[i] = c
    return frame.mask(frame.isin([8, 9])), counts


@pytest.mark.parametrize(("platform", "fmt", "encoding", "lang"), CASES)
def test_platform_export_reads_back_with_no_mapping(tmp_path, instrument, responses, platform, fmt, encoding, lang):
    form = build_form(instrument, lang=lang)
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(platform_export(responses, form, platform, format=fmt, encoding=encoding))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    data = sk.read_survey(path, instrument=instrument)
    assert data.metadata.layout == platform and data.metadata.layout_detected
    expected, counts = _expected(instrument, responses)
    assert data.missing_code_counts == counts and sum(sum(c.values()) for c in counts.values()) > 20
    pd.testing.assert_frame_equal(data.frame[expected.columns].astype(float).reset_index(drop=True), expected,
                                  check_names=False)
    for r in ("region", "role", "years_member"):
        np.testing.assert_array_equal(pd.to_numeric(data.frame[r]).to_numpy(), responses[r].to_numpy())
    how = {m.variable: m.how for m in data.matches}
    assert all(how[i] != "missing" for i in instrument.item_ids)
    if platform == "wjx":
        # matched by the item text in the "N、text" header, which becomes the label
        assert how["ide_1"] == "label"
        text = instrument.item("ide_1").text.zh
        assert data.metadata.variables["1、" + text].label == text
        assert any("问卷星 option positions 6 as code 8, 7 as code 9" in n for n in data.notes)
        assert how["duration_sec"] == "platform"
        np.testing.assert_array_equal(data.frame["duration_sec"].to_numpy(), responses["duration_sec"].to_numpy())
    else:
        assert how["ide_1"] == "name"  # the export tag (Qualtrics) / the XLSForm name (Kobo) is the id
    if platform == "qualtrics":
        assert data.metadata.variables["ide_1"].label == instrument.item("ide_1").text.get(lang)
        np.testing.assert_array_equal(data.frame["duration_sec"].to_numpy(), responses["duration_sec"].to_numpy())
    if platform == "kobo":
        assert data.metadata.variables["ide_1"].question == "block_1/ide_1"
    report = sk.validate(data)
    assert report.ok
    match = report.to_dict()["match"]
    assert match["items_present"] == instrument.item_ids and match["items_missing"] == []
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the input is never modified


def test_validate_reports_present_missing_and_extra_columns(tmp_path, instrument, responses):
    form = build_form(instrument, lang="zh")
    table = pd.read_csv(pd.io.common.BytesIO(platform_export(responses, form, "kobo")), sep=";")
    table = table.drop(columns=["block_1/ide_2", "block_7/mec_1"]).assign(comment="ok")
    path = tmp_path / "kobo.csv"
    table.to_csv(path, sep=";", index=False)
    result = CliRunner().invoke(app, ["validate", str(path), "--instrument", str(_yaml(tmp_path, instrument)),
                                      "--format", "json"])
    assert result.exit_code == 1  # missing items block the analysis
    match = json.loads(result.stdout)["match"]
    assert match["items_missing"] == ["ide_2", "mec_1"]
    assert "comment" in match["extra_columns"] and "_uuid" in match["extra_columns"]
    assert len(match["items_present"]) == len(instrument.item_ids) - 2
    text = CliRunner().invoke(app, ["validate", str(path), "--instrument", str(_yaml(tmp_path, instrument))]).stdout
    assert "Matched 40 of 42 items (40 by name)" in text and "not in the file: ide_2, mec_1, duration_sec" in text
    assert "extra column(s) not in the instrument:" in text and "Columns matched to the instrument" in text


def _yaml(tmp_path, instrument):
    import yaml

    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(instrument.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    return path


def test_export_refuses_codes_that_are_no_option(instrument, responses):
    bad = responses.copy()
    bad.loc[3, "ide_4"] = 7
    with pytest.raises(SpecError, match=r"Column 'ide_4' holds 7, which is no option of question 4"):
        platform_export(bad, build_form(instrument), "wjx")


def test_wjx_positions_are_not_guessed_for_a_scale_not_starting_at_1(tmp_path):
    from tests.questionnaire.conftest import demo_dict, instrument_with

    data = demo_dict()
    data["scales"]["agree5"] = {"min": 0, "max": 4, "labels": {k: data["scales"]["agree5"]["labels"][k + 1]
                                                               for k in range(5)}, "missing": {8: {"zh": "不清楚",
                                                                                                   "en": "Don't know"}}}
    ins = instrument_with(scales=data["scales"])
    frame = pd.DataFrame({"序号": [1, 2], "提交答卷时间": ["2024/3/1 9:00:00"] * 2,
                          "1、" + ins.item("ide_1").text.zh: [5, 6]})
    path = tmp_path / "wjx.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    read = sk.read_survey(path, instrument=ins)
    assert read.frame["ide_1"].tolist() == [5, 6]  # left as read: validate reports them out of range
    assert not any("option positions" in n for n in read.notes)
    assert not sk.validate(read).ok
