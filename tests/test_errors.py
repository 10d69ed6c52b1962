"""The one argument validator: one message template for a value that is not among its options."""

from __future__ import annotations

import numpy as np
import pytest

from surveykit.errors import DataError, SpecError, check_option


def test_a_python_argument():
    check_option("method", "ml", ("ml", "minres"))
    with pytest.raises(SpecError, match=r"^method='uls' is not one of 'ml', 'minres'\.$"):
        check_option("method", "uls", ("ml", "minres"))


def test_a_command_line_option_or_argument():
    with pytest.raises(SpecError, match=r"^--lang 'fr' is not one of zh, en\.$"):
        check_option("--lang", "fr", ("zh", "en"))
    with pytest.raises(SpecError, match=r"^NAME 'spec' is not one of instrument, results\.$"):
        check_option("NAME", "spec", ("instrument", "results"))


def test_the_error_class_can_be_chosen():
    with pytest.raises(DataError, match="layout='x' is not one of"):
        check_option("layout", "x", ["auto"], error=DataError)


def test_every_kind_of_failure_is_in_the_readme_troubleshooting_section():
    """errors.FAILURES and the README list the same sentences and exit codes (issue 13)."""
    from pathlib import Path

    from surveykit.errors import FAILURES

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    for f in FAILURES:
        assert f"- **{f.kind}** (exit {f.exit_code}; {f.exception}): `{f.example}` What to do: {f.todo}." in section
    assert {f.exit_code for f in FAILURES} == {0, 1, 2, 130, 143}


def test_the_catalogue_examples_are_the_sentences_surveykit_writes(tmp_path):
    """Each example is produced here by the code that raises it (the regression tests in tests/cli check the
    command line's exit codes): the catalogue cannot drift from the messages."""
    import errno

    from surveykit._core.guards import check_covariance, check_memory
    from surveykit._yaml import load_yaml
    from surveykit.errors import FAILURES, OutputError, ResourceError, os_error_sentence
    from surveykit.sem.defined import compile_expression

    examples = {f.kind: f.example for f in FAILURES}
    with pytest.raises(DataError) as info:
        check_covariance(np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]]), ["a1", "a2", "a3"], 3,
                         what="items of AAA")
    assert str(info.value) == examples["a sample too small"]
    with pytest.raises(ResourceError) as info:
        check_memory((10**9 + 150) * (2 * 16 * 8 + 1), "n_boot=1000000000 draws of 16 estimates", "n_boot")
    assert str(info.value) == examples["a request too large for memory"]
    with pytest.raises(Exception) as info:
        load_yaml("name: a\n" + "".join(f"x{i}: 1\n" for i in range(15)) + "name: b\n")
    assert str(info.value).splitlines()[0] + "." in examples["a YAML file that is not valid, or gives a key twice"]
    with pytest.raises(Exception) as info:
        compile_expression("+".join(["p"] * 1000), {"p"}, line=2)
    assert str(info.value).replace("Model syntax", "structural.model") == \
        examples["a := expression beyond the limits"]
    sentence = os_error_sentence(OSError(errno.ENOSPC, "No space left on device"), "out", "the report folder")
    assert f"{sentence[:-1]}; the previous report is unchanged and no temporary file was left." == \
        examples["the system refusing a write"]
    assert OutputError.__mro__[1].__name__ == "SurveykitError"
