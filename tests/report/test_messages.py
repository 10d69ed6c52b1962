"""The Chinese report is Chinese throughout: warnings that code raises in English are translated
through the message catalogue (``code_messages`` in messages/zh.yaml)."""

from __future__ import annotations

import re

import pytest

from surveykit.report.document import code_message, messages

# one example of each warning surveykit raises (file: the place that raises it)
EXAMPLES = [
    "69 of 577 rows had missing values on model variables and were dropped (missing='listwise').",  # sem/estimate
    "69 of 577 rows had missing values on model variables or the group variable and were dropped "
    "(missing='listwise').",  # sem/estimate, multiple groups
    "3 of 577 rows had no value on any model variable and were dropped (missing='fiml').",  # sem/api
    "The optimizer did not converge after 500 iterations (largest gradient 0.0021); estimates and fit are not "
    "trustworthy.",  # sem/estimate
    "The optimizer did not converge after 500 iterations (largest gradient 0.0021); estimates and fit are not "
    "trustworthy. Fisher scoring could not decrease the discrepancy",  # sem/estimate, with the optimizer's word
    "The information matrix is singular (smallest eigenvalue -1.2e-09): the model may not be identified; standard "
    "errors are not available.",  # sem/estimate
    "Heywood case: the estimated variance of x3 (group 2) is negative (-0.0123); the solution is not admissible. "
    "Consider the model specification, the sample size, or outliers.",  # sem/results
    "The model-implied covariance matrix of the latent variables (group 1) is not positive definite (a factor "
    "correlation is at or beyond 1 in absolute value); check the model.",  # sem/results
    "Heywood case: the standardized loading of x1 on visual is 1.0321 (> 1 in absolute value); the solution is not "
    "admissible.",  # sem/results
    "Heywood case: the residual variance of y2 is negative (-0.04).",  # sem/ordinal
    "4 of 300 bivariate tables of the ordinal items have empty cells (e.g. A1-A2, A1-C3); their polychoric "
    "correlations and weights rest on sparse data. Consider collapsing rare categories.",  # sem/ordinal
    "semopy reports that its optimizer failed: ABNORMAL_TERMINATION_IN_LNSRCH",  # sem/_semopy
    "7 of 1000 bootstrap draws did not converge and were dropped; the intervals use the other 993.",  # bootstrap
    "12 of 1000 bootstrap draws gave nonadmissible solutions (a negative variance or a covariance matrix that is "
    "not positive definite); they were kept, as lavaan keeps them.",  # bootstrap
    "The paf extraction did not converge within 50 iterations; the loadings are the last iterate.",  # efa
    "The oblimin rotation did not converge (1000 iterations); the loadings are the last iterate.",  # efa
    "Heywood case: the communality of A1, C4 reached the bound (uniqueness <= 0.005, or communality > 1); the "
    "solution is improper. Consider fewer factors or another method.",  # efa
    "The geomin rotation in omega() did not converge; results are the last iterate.",  # omega
    "The polychoric correlation matrix was not positive definite and was smoothed as psych's cor.smooth() does.",
    "The pearson correlation matrix of A1, A2, A3, A4, A5... is not positive definite; it was smoothed as psych's "
    "cor.smooth() does (eigenvalues below 1e-12 raised, then rescaled to a correlation matrix).",  # _common
    "Column 'age' in 'wave1.csv' is mostly numbers but has 2 text values ('n/a', 'unknown') and was kept as text. "
    "Recode those values, or declare them as missing codes.",  # io/_columns
    "The model-based common-method checks (one-factor test, ULMC) were not run: their chi-square difference tests "
    "assume independent, unweighted responses, and the spec declares a design (cluster or weights). Harman's test "
    "in the psychometrics section still applies.",  # analysis/stages
    "The defined parameter r is not finite (a division by zero, the log of a negative value) in 37 of 1000 "
    "bootstrap draws; its interval and standard error use the other 963, the other parameters every draw.",  # bootstrap
    "The defined parameter r := a1/(b1-b1) is inf at the estimates (a division by zero, or the log or a fractional "
    "power of a negative value); it has no standard error. Check its expression.",  # sem/assemble
    "The sample (N = 15 rows used) is smaller than the number of free parameters (21): the estimates, standard "
    "errors and test statistic are not trustworthy. Collect more data or estimate a smaller model.",  # sem/pipeline
]


@pytest.mark.parametrize("text", EXAMPLES)
def test_every_warning_is_translated(text):
    zh = code_message(text, "zh")
    assert zh != text and re.search(r"[\u4e00-\u9fff]", zh)
    # no English sentence left: only names, numbers, code and quoted engine messages stay Latin
    assert not re.search(r"\b(the|and|of|is|was|were|not)\b", re.sub(r"“[^”]*”", "", zh)), zh
    assert code_message(text, "en") == text


def test_the_named_parts_are_carried_over():
    zh = code_message(EXAMPLES[0], "zh")
    assert zh == "577 行中有 69 行在模型变量上有缺失值，已被删除（列表删除）。"
    assert "A1, C4" in code_message(EXAMPLES[16], "zh")
    assert code_message(EXAMPLES[4], "zh").endswith("“Fisher scoring could not decrease the discrepancy”。")


def test_every_catalogue_entry_has_an_example():
    patterns = [re.compile(e["match"]) for e in messages("zh")["code_messages"]]
    used = {next(i for i, p in enumerate(patterns) if p.match(t)) for t in EXAMPLES}
    assert used == set(range(len(patterns)))


def test_an_unknown_message_stays_as_it_is():
    assert code_message("Something new happened.", "zh") == "Something new happened."


def test_the_chinese_demo_report_has_no_english_warning(demo_run):
    from surveykit.report import render_markdown

    md = render_markdown(demo_run.results, "zh")
    section = md.split("警告", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert rows and all(re.search(r"[\u4e00-\u9fff]", r.split("|")[3]) for r in rows)
    assert "Warning" not in section and "rows had" not in section
