"""Make the survey-platform fixtures in tests/data/fixtures/ from the demo survey.

Run from the repository root:  python tests/data/make_platform_fixtures.py

The files reproduce how Qualtrics and Wenjuanxin (问卷星) write their data exports, for
the first 30 respondents of the shipped, SIMULATED demo survey
(tests/data/fixtures/demo_survey_2025.csv, the demo survey before it grew a second level) and its instrument
(surveykit/datasets/demo/execution_capacity.yaml).  The script uses the standard library,
pandas and openpyxl only (not surveykit), so the fixtures are not made by the code they
test.  What each file reproduces:

qualtrics_numeric.csv, qualtrics_text.csv
    Qualtrics "Download data table", CSV, "Use numeric values" / "Use choice text":
    UTF-8 with a byte-order mark, CRLF line ends, three header rows: export tags;
    question text (a matrix row is "<question stem> - <statement>"); ImportId JSON
    (``{"ImportId":"QID1_1"}``; meta columns ``{"ImportId":"startDate","timeZone":...}``).
    The 17 default meta columns come first (StartDate ... UserLanguage).  The eight
    constructs are matrix questions Q1-Q8 (export tags Q1_1 ...), with the English item
    texts; region, role and years of membership are Q9-Q11; Q12 is an attention check
    ("please select Agree").  Recode values were set to the instrument's codes (1-5,
    Don't know = 8, Refused = 9), so the numeric export carries the demo's codes.
    Unanswered questions are empty cells.

wjx_numeric.xlsx, wjx_text.xlsx, wjx_numeric_gbk.csv, wjx_text_gbk.csv
    Wenjuanxin "下载答卷数据": 按选项序号 (numeric, with the option scores set to the
    instrument's codes, so 不清楚 = 8 and 拒答 = 9) and 按选项文本 (answer text).  One header
    row: the meta columns 序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP, then the
    questions numbered as in the questionnaire: 1、地区： 2、在党组织中的角色： 3、党龄（年）：
    (single choice, single choice, fill-in), the matrix questions 4-11 whose rows are
    exported as ``N、(row text)`` with the Chinese item texts, and 12, the attention check.
    所用时间 is "235秒" in the .xlsx files and "3分55秒" in the .csv files (both occur in
    Wenjuanxin downloads of different years).  The .csv files are GBK-encoded, as
    Wenjuanxin writes them for Excel on Chinese Windows.  In the answer-text download
    the skipped attention check of respondent 23 reads "(跳过)"; in the numeric download
    it is an empty cell.

gbk_headers.csv
    A plain GBK-encoded CSV (as Excel on Chinese Windows saves "CSV (逗号分隔)") whose
    headers are the Chinese item texts and variable labels, with numeric codes (8, 9 kept).

Attention check answers (not in the demo survey; made up here): "Agree"/同意 (code 4)
for every respondent except respondents 4 and 17 (code 2, failed) and 23 (skipped).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

import openpyxl
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "fixtures"
DEMO = ROOT / "surveykit" / "datasets" / "demo"
N = 30
FAILED = {4: 2, 17: 2}  # respondent (1-based row) -> attention check answer
SKIPPED = 23
START = dt.datetime(2024, 5, 6, 9, 0, 0)

QUALTRICS_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Asia/Shanghai"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Asia/Shanghai"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Asia/Shanghai"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
    ("LocationLongitude", "Location Longitude", '{"ImportId":"locationLongitude"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]
STEM_EN = "How much do you agree with each statement about your Party organization?"
ATTENTION_EN = 'To show that you are reading carefully, please select "Agree" for this question.'
ATTENTION_ZH = "为确认您在认真作答，本题请选择“同意”。"


def load() -> tuple[pd.DataFrame, dict]:
    data = pd.read_csv(ROOT / "tests" / "data" / "fixtures" / "demo_survey_2025.csv").head(N)
    instrument = yaml.safe_load((DEMO / "execution_capacity.yaml").read_text(encoding="utf-8"))
    return data, instrument


def attention(i: int) -> int | None:
    """The attention check answer of respondent i (1-based)."""
    if i == SKIPPED:
        return None
    return FAILED.get(i, 4)


def response_id(respondent: int) -> str:
    digest = hashlib.sha256(f"demo-{respondent}".encode()).hexdigest()
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "R_" + "".join(alphabet[int(digest[k : k + 2], 16) % 62] for k in range(0, 30, 2))


def times(i: int, seconds: int) -> tuple[dt.datetime, dt.datetime]:
    start = START + dt.timedelta(minutes=37 * i, seconds=11 * i)
    return start, start + dt.timedelta(seconds=int(seconds))


def scale_labels(instrument: dict, lang: str) -> dict[int, str]:
    scale = instrument["scales"][instrument["default_scale"]]
    labels = {int(k): v[lang] for k, v in scale["labels"].items()}
    labels.update({int(k): v[lang] for k, v in scale["missing"].items()})
    return labels


def codes(instrument: dict, var: str, lang: str) -> dict[int, str]:
    for r in instrument["respondent"]:
        if r["id"] == var:
            return {int(k): v[lang] for k, v in r["codes"].items()}
    raise KeyError(var)


def write_csv(path: Path, rows: list[list[object]], encoding: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


# -- Qualtrics ---------------------------------------------------------------------------------
def qualtrics(data: pd.DataFrame, instrument: dict, *, text: bool) -> list[list[object]]:
    tags = [t for t, _, _ in QUALTRICS_META]
    questions = [q for _, q, _ in QUALTRICS_META]
    ids = [j for _, _, j in QUALTRICS_META]
    item_columns = []
    for q, construct in enumerate(instrument["constructs"], start=1):
        for k, item in enumerate(construct["items"], start=1):
            tags.append(f"Q{q}_{k}")
            questions.append(f"{STEM_EN} - {item['text']['en']}")
            ids.append(f'{{"ImportId":"QID{q}_{k}"}}')
            item_columns.append(item["id"])
    labels = {r["id"]: r["label"]["en"] for r in instrument["respondent"]}
    for q, var in ((9, "region"), (10, "role")):
        tags.append(f"Q{q}")
        questions.append(labels[var])
        ids.append(f'{{"ImportId":"QID{q}"}}')
    tags.append("Q11")
    questions.append(labels["years_member"])
    ids.append('{"ImportId":"QID11_TEXT"}')
    tags.append("Q12")
    questions.append(ATTENTION_EN)
    ids.append('{"ImportId":"QID12"}')
    rows: list[list[object]] = [tags, questions, ids]
    answer = scale_labels(instrument, "en")
    region, role = codes(instrument, "region", "en"), codes(instrument, "role", "en")
    for i, r in enumerate(data.itertuples(index=False), start=1):
        start, end = times(i, r.duration_sec)
        row: list[object] = [
            start.strftime("%Y-%m-%d %H:%M:%S"),
            end.strftime("%Y-%m-%d %H:%M:%S"),
            "IP Address" if text else 0,
            f"203.0.113.{i}",
            100,
            int(r.duration_sec),
            "True" if text else 1,
            (end + dt.timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S"),
            response_id(int(r.respondent_id)),
            "",
            "",
            "",
            "",
            "",
            "",
            "anonymous",
            "EN",
        ]
        for item in item_columns:
            value = int(getattr(r, item))
            row.append(answer[value] if text else value)
        row.append(region[int(r.region)] if text else int(r.region))
        row.append(role[int(r.role)] if text else int(r.role))
        row.append(int(r.years_member))
        check = attention(i)
        row.append("" if check is None else (answer[check] if text else check))
        rows.append(row)
    return rows


# -- Wenjuanxin --------------------------------------------------------------------------------
def wjx(data: pd.DataFrame, instrument: dict, *, text: bool, seconds_only: bool) -> list[list[object]]:
    labels = {r["id"]: r["label"]["zh"] for r in instrument["respondent"]}
    header: list[object] = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    header += [f"1、{labels['region']}：", f"2、{labels['role']}：", f"3、{labels['years_member']}："]
    item_columns = []
    for q, construct in enumerate(instrument["constructs"], start=4):
        for item in construct["items"]:
            header.append(f"{q}、({item['text']['zh']})")
            item_columns.append(item["id"])
    header.append(f"12、{ATTENTION_ZH}")
    rows: list[list[object]] = [header]
    answer = scale_labels(instrument, "zh")
    region, role = codes(instrument, "region", "zh"), codes(instrument, "role", "zh")
    for i, r in enumerate(data.itertuples(index=False), start=1):
        _, end = times(i, r.duration_sec)
        seconds = int(r.duration_sec)
        took = f"{seconds}秒" if seconds_only else f"{seconds // 60}分{seconds % 60}秒"
        row: list[object] = [
            int(r.respondent_id),
            f"{end.year}/{end.month}/{end.day} {end:%H:%M:%S}",
            took,
            "手机提交" if i % 3 else "链接",
            "直接访问",
            f"203.0.113.{i}(北京-北京)",
            region[int(r.region)] if text else int(r.region),
            role[int(r.role)] if text else int(r.role),
            int(r.years_member),
        ]
        for item in item_columns:
            value = int(getattr(r, item))
            row.append(answer[value] if text else value)
        check = attention(i)
        if check is None:
            row.append("(跳过)" if text else None)
        else:
            row.append(answer[check] if text else check)
        rows.append(row)
    return rows


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    for row in rows:
        sheet.append(row)
    book.properties.creator = "make_platform_fixtures.py"
    book.properties.created = dt.datetime(2024, 5, 7)
    book.properties.modified = dt.datetime(2024, 5, 7)
    book.save(path)


def gbk_headers(data: pd.DataFrame, instrument: dict) -> list[list[object]]:
    labels = {r["id"]: r["label"]["zh"] for r in instrument["respondent"]}
    items = [(it["id"], it["text"]["zh"]) for c in instrument["constructs"] for it in c["items"]]
    columns = [("respondent_id", labels["respondent_id"]), *items]
    columns += [(v, labels[v]) for v in ("region", "role", "years_member", "duration_sec")]
    rows: list[list[object]] = [[label for _, label in columns]]
    for r in data.itertuples(index=False):
        rows.append([int(getattr(r, var)) for var, _ in columns])
    return rows


def main() -> None:
    OUT.mkdir(exist_ok=True)
    data, instrument = load()
    write_csv(OUT / "qualtrics_numeric.csv", qualtrics(data, instrument, text=False), "utf-8-sig")
    write_csv(OUT / "qualtrics_text.csv", qualtrics(data, instrument, text=True), "utf-8-sig")
    write_xlsx(OUT / "wjx_numeric.xlsx", wjx(data, instrument, text=False, seconds_only=True))
    write_xlsx(OUT / "wjx_text.xlsx", wjx(data, instrument, text=True, seconds_only=True))
    write_csv(OUT / "wjx_numeric_gbk.csv", wjx(data, instrument, text=False, seconds_only=False), "gbk")
    write_csv(OUT / "wjx_text_gbk.csv", wjx(data, instrument, text=True, seconds_only=False), "gbk")
    write_csv(OUT / "gbk_headers.csv", gbk_headers(data, instrument), "gbk")
    for path in sorted(OUT.glob("*")):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
