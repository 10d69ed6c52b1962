"""The one argument validator: one message template for a value that is not among its options."""

from __future__ import annotations

import pytest

from surveykit.errors import DataError, SpecError, check_option


def test_a_python_argument():
    check_option("method", "ml", ("ml", "minres"))
    with pytest.raises(SpecError, match=r"^method='uls' is not one of 'ml', 'minres'\.$"):
        check_option("method", "uls", ("ml", "minres"))


def test_a_command_line_option():
    with pytest.raises(SpecError, match=r"^--lang 'fr' is not one of zh, en\.$"):
        check_option("--lang", "fr", ("zh", "en"))


def test_the_error_class_can_be_chosen():
    with pytest.raises(DataError, match="layout='x' is not one of"):
        check_option("layout", "x", ["auto"], error=DataError)
