"""Interval merging and nearest-point search: small literal cases with exact answers."""

import numpy as np

from dreamtf.intervals import merge_intervals, merge_sorted, nearest


def test_merge_joins_overlapping_book_ended_and_nested_intervals_as_bedtools_merge():
    iv = np.array([[0, 10], [10, 20], [25, 100], [30, 40], [50, 60], [101, 110]])
    assert merge_intervals(iv).tolist() == [[0, 20], [25, 100], [101, 110]]
    assert merge_intervals(iv).dtype == np.int64
    assert merge_intervals(np.zeros((0, 2), dtype=np.int32)).shape == (0, 2)


def test_merge_sorted_groups_within_the_gap_and_reports_each_intervals_group():
    start, end = np.array([0, 5, 30, 300]), np.array([10, 20, 40, 310])
    group, s, e = merge_sorted(start, end)
    assert group.tolist() == [0, 0, 1, 2] and s.tolist() == [0, 30, 300] and e.tolist() == [20, 40, 310]
    group, s, e = merge_sorted(start, end, max_gap=10)
    assert group.tolist() == [0, 0, 0, 1] and s.tolist() == [0, 300] and e.tolist() == [40, 310]
    group, s, e = merge_sorted(start[:0], end[:0])
    assert len(group) == len(s) == len(e) == 0


def test_nearest_picks_the_closest_point_and_the_lower_one_on_a_tie():
    points = np.array([10, 20, 40])
    x = np.array([0, 14, 15, 16, 30, 39, 100])
    assert nearest(points, x).tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert nearest(np.array([7]), x).tolist() == [0] * len(x)
