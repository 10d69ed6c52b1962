"""A survey-platform export made by the platform itself (tests/data/fixtures/external/README.md)."""

from __future__ import annotations

from pathlib import Path

from surveykit.data import read_survey
from surveykit.data.codebook import codebook
from surveykit.io import read_file

from ._helpers import sha256

EXTERNAL = Path(__file__).parents[1] / "data" / "fixtures" / "external"
QUALTRICS = EXTERNAL / "qualtrics_qualtRics_sample.csv"
META = ("StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
        "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
        "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage")


def test_genuine_qualtrics_export_is_recognised() -> None:
    assert sha256(QUALTRICS) == "3f55357fe3768d0f539dc8a47f39707f77344824ce40c675e941f2531ae2aaea"
    raw = read_file(QUALTRICS)  # layout detected, not given
    md = raw.metadata
    assert (md.layout, md.layout_detected, md.encoding) == ("qualtrics", True, "utf-8")
    # rows 2 and 3 (question text, ImportId) are headers: one respondent remains
    assert md.platform.header_rows == 3 and len(raw.frame) == 1 and md.n_rows == 1
    assert md.platform.meta == META
    assert md.platform.duration == "Duration (in seconds)" and md.platform.respondent_id == "ResponseId"
    # the question-text row gives the labels (German in this export)
    v = md.variables
    assert v["Q1"].label == "This is a multiple choice question." and v["Q1"].question == v["Q1"].label
    assert v["Q2"].label == "This is a free text question." and v["Q2"].type == "string"
    assert v["Duration (in seconds)"].label == "Dauer (in Sekunden)" and v["RecipientEmail"].label == (
        "E-Mail des Empfängers")
    row = raw.frame.iloc[0]
    assert row["ResponseId"] == "R_2YPOQ602ER1jkf1" and row["Q1"] == 2 and row["Q2"] == "Hello World!"
    assert row["Duration (in seconds)"] == 38 and row["UserLanguage"] == "DE"
    assert any("recognised from the ImportId row" in n for n in md.notes)
    assert sha256(QUALTRICS) == "3f55357fe3768d0f539dc8a47f39707f77344824ce40c675e941f2531ae2aaea"


def test_genuine_qualtrics_export_through_the_data_layer() -> None:
    data = read_survey(QUALTRICS)
    assert data.n == 1 and data.metadata.layout == "qualtrics"
    book = {x["name"]: x for x in codebook(QUALTRICS).variables}
    assert book["Q1"]["label"] == "This is a multiple choice question." and book["Q1"]["n_valid"] == 1
    assert book["Q2 - Topics"]["n_missing"] == 1
