"""The report beside the challenge's published final round."""

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from dreamtf.report import TEAMS, leaderboard_markdown, read_leaderboard

ROOT = Path(__file__).resolve().parents[1]


def test_published_figures_cover_the_challenge_config_and_give_the_published_means():
    board = read_leaderboard()
    pairs = {
        (tf, cell)
        for tf, spec in yaml.safe_load((ROOT / "challenge.yaml").read_text())["tfs"].items()
        for cell in spec["test_cells"]
    }
    assert set(zip(board["tf"], board["cell_type"])) == pairs and len(board) == 13
    # the final round's means: Guan 0.486, J-Team (Catchitt) 0.452, FactorNet 0.450
    assert np.allclose(board[TEAMS].mean().round(3).tolist(), [0.486, 0.452, 0.450])
    assert board.set_index(["tf", "cell_type"]).loc[("CTCF", "PC-3"), "FactorNet"] == 0.783


def test_leaderboard_table_puts_each_run_beside_the_teams():
    df = pd.DataFrame(
        [
            ("catchitt", "dnase_motif", "CTCF", "PC-3", 0.5),
            ("factornet", "seq_dnase", "CTCF", "PC-3", 0.7),
            ("catchitt", "dnase_motif", "REST", "liver", 0.3),
            ("factornet", "seq_dnase", "REST", "liver", 0.4),
            ("catchitt", "dnase_motif", "CTCF", "GM12878", 0.9),  # not a final-round pair
        ],
        columns=["model", "feature_set", "tf", "cell_type", "auprc"],
    )
    md = leaderboard_markdown(df, read_leaderboard()).splitlines()
    head = "| TF | cell | catchitt:dnase_motif | factornet:seq_dnase | Guan (published) | J-Team (published) |"
    assert md[0] == head + " FactorNet (published) |"
    assert md[2] == "| REST | liver | 0.300 | 0.400 | 0.398 | 0.264 | 0.412 |"
    assert md[3] == "| CTCF | PC-3 | 0.500 | 0.700 | 0.608 | 0.480 | 0.783 |"
    assert md[4].startswith("| mean | | 0.400 | 0.550 | 0.503 |") and len(md) == 5
    assert leaderboard_markdown(df[df["cell_type"] == "GM12878"], read_leaderboard()) == ""
