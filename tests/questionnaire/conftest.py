"""Instruments and simulated responses shared by the questionnaire tests."""

from __future__ import annotations

import copy

import pytest
import yaml

import surveykit as sk
from surveykit.instrument import instrument_from_dict

OPENING = {
    "consent": {"zh": "本调查自愿参加，您可以随时退出。", "en": "Taking part is voluntary; you may stop at any time."},
    "anonymity": {"zh": "问卷匿名填写，数据仅用于学术研究。",
                  "en": "Answers are anonymous and used for research only."},
    "instructions": {"zh": "请根据您的实际感受作答，答案没有对错之分。",
                     "en": "Answer from your own experience; there are no right or wrong answers."},
}
ATTENTION = {"id": "att_1", "text": {"zh": "为确认您在认真作答，本题请选择“同意”。",
                                     "en": 'To show you are reading carefully, select "Agree" here.'},
             "correct": [4]}


def demo_dict() -> dict:
    return yaml.safe_load(sk.datasets.demo_instrument_path().read_text(encoding="utf-8"))


def instrument_with(**changes):
    data = demo_dict()
    data.update(copy.deepcopy(changes))
    return instrument_from_dict(data)


@pytest.fixture(scope="package")
def instrument():
    """The demo instrument with consent, anonymity, instructions and an attention check."""
    return instrument_with(**OPENING, attention_checks=[ATTENTION])


@pytest.fixture(scope="package")
def responses(instrument):
    """120 simulated respondents (declared missing codes 8 and 9 planted at a 5% rate)."""
    population = sk.load_population(sk.datasets.demo_population_path())
    population = population.model_copy(update={"missing": population.missing.model_copy(update={"rate": 0.05})})
    sim = sk.simulate(population, instrument, n=120, rng=11)
    frame = sim.frame.copy()
    frame["att_1"] = 4
    frame.loc[::7, "att_1"] = 2
    return frame
