"""The one argument validator: one message template for a value that is not among its options."""

from __future__ import annotations

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
