"""Model cards: a model that saw a held-out chromosome is an error, not a card."""

import json

import pytest

from dreamtf.errors import DreamTFError
from dreamtf.modelcard import model_card, write_model_card

CARD = dict(
    model="catchitt",
    tf="CTCF",
    feature_set="dnase",
    cells=["K562"],
    trained_on=["chr2", "chrX"],
    validated_on=["chr11"],
    held_out=["chr1", "chr8", "chr21"],
    windows={"bound": 10},
    seed=1,
    settings={"rounds": 3},
    packages=("xgboost", "no-such-package"),
)


def test_card_records_chromosomes_and_versions(tmp_path):
    card = model_card(**CARD)
    assert card["chromosomes"]["held_out"] == ["chr1", "chr21", "chr8"] and card["held_out_check"]["passed"]
    assert card["versions"]["no-such-package"] == "not installed" and card["versions"]["python"].startswith("3.")
    write_model_card(tmp_path / "m.card.json", card)
    assert json.loads((tmp_path / "m.card.json").read_text()) == card


@pytest.mark.parametrize("field", ["trained_on", "validated_on"])
def test_a_held_out_chromosome_in_training_or_early_stopping_is_an_error(field):
    bad = {**CARD, field: CARD[field] + ["chr8"]}
    with pytest.raises(DreamTFError, match="catchitt dnase CTCF: held-out chromosome chr8 was used"):
        model_card(**bad)
