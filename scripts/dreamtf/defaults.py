"""Defaults for library and command-line use, equal to the workflow schema's.

The workflow takes every default from ``schemas/config.schema.yaml``; these constants
serve ``dreamtf`` commands and notebooks, and ``tests/test_config.py`` fails when one
of them (or ``catchitt.DEFAULTS``, ``factornet.DEFAULTS``) disagrees with the schema.
"""

#: windows.size and windows.step: 200 bp windows every 50 bp
WINDOW_SIZE = 200
WINDOW_STEP = 50
#: chromosomes.test and chromosomes.validation
TEST_CHROMS = ("chr1", "chr8", "chr21")
VALIDATION_CHROMS = ("chr11",)
#: labels.rule and labels.min_overlap
LABEL_RULE = "challenge"
MIN_OVERLAP = 1
#: scoring.bootstrap: the challenge's 10 stratified 90 % subsamples
BOOTSTRAP = 10
