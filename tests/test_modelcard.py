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


def test_the_card_says_where_the_learned_motifs_were_learned():
    record = {"chromosomes_read": ["chrX", "chr2"], "motifs": [{"id": "CTCF_extended"}]}
    card = model_card(**CARD, learned_motifs=record)
    assert card["learned_motifs"]["learned_on"] == ["chr2", "chrX"]
    assert card["learned_motifs"]["motifs"] == ["CTCF_extended"]
    assert "never read" in card["learned_motifs"]["what"]
    assert "learned_motifs" not in model_card(**CARD)


@pytest.mark.parametrize("chrom", ["chr11", "chr21"])
def test_motifs_learned_on_a_validation_or_held_out_chromosome_are_an_error(chrom):
    record = {"chromosomes_read": ["chr2", chrom], "motifs": []}
    with pytest.raises(DreamTFError, match=f"catchitt dnase CTCF: the learned motifs read chromosome {chrom}"):
        model_card(**CARD, learned_motifs=record)
