import math

import pytest

from painpath.core.charts import (
    Box,
    Frame,
    Scale,
    extent_ticks,
    number_label,
    padded,
    points,
    tick_label,
    ticks,
)

# The patient page's score chart: 360 × 150, plot area 40–348 across and 12–124 down.
SCORE = Frame(width=360, height=150, left=40, right=12, top=12, bottom=26).canvas(
    (0, 30), (0, 50), x_inset=6
)


def test_a_scale_maps_the_ends_of_its_range_to_the_ends_of_its_pixels() -> None:
    scale = Scale(10, 20, 100, 300)
    assert scale(10) == 100
    assert scale(20) == 300
    assert scale(12.5) == 150
    assert scale(25) == 400  # outside the range: outside the pixels, not clipped


def test_a_reversed_pixel_range_runs_downwards_like_an_svg_y_axis() -> None:
    scale = Scale(0, 10, 124, 12)
    assert scale(0) == 124
    assert scale(10) == 12
    assert scale(5) == 68


def test_a_range_of_zero_width_puts_every_value_in_the_middle() -> None:
    scale = Scale(7, 7, 46, 342)
    assert scale(7) == 194
    assert scale(0) == 194


def test_the_plot_area_lies_inside_the_margins() -> None:
    assert SCORE.frame.plot == Box(left=40, top=12, right=348, bottom=124)
    assert Frame(width=100, height=50).plot == Box(0, 0, 100, 50)


def test_the_canvas_keeps_x_inside_the_inset_and_y_from_the_floor_up() -> None:
    assert SCORE.x(0) == 46  # 40 + 6
    assert SCORE.x(30) == 342  # 348 − 6
    assert SCORE.x(15) == 194
    assert SCORE.y(0) == 124  # the scale's floor sits on the plot's bottom
    assert SCORE.y(50) == 12
    assert SCORE.y(25) == 68


def test_one_point_in_time_sits_in_the_middle_of_the_canvas() -> None:
    one_day = Frame(width=100, height=50).canvas((738000, 738000), (0, 10))
    assert one_day.x(738000) == 50
    assert one_day.y(10) == 0


def test_the_polyline_string_is_pixel_pairs_with_one_decimal() -> None:
    assert points([(1, 2), (3.25, 4.75), (10 / 3, 2 / 3)]) == "1.0,2.0 3.2,4.8 3.3,0.7"
    assert points([]) == ""


def test_the_canvas_polyline_maps_data_pairs_to_pixels() -> None:
    spark = Frame(width=120, height=32, left=2, right=2, top=2, bottom=2).canvas((0, 2), (0, 10))
    assert spark.points([(0, 0), (1, 5), (2, 10)]) == "2.0,30.0 60.0,16.0 118.0,2.0"


def test_ticks_are_round_steps_inside_the_range() -> None:
    assert ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert ticks(-0.5, 12.5) == [0, 5, 10]  # a step of 2.6 rounds up to 5
    assert ticks(0, 12.5) == [0, 2.5, 5, 7.5, 10, 12.5]
    assert ticks(3.2, 3.9) == [3.2, 3.4, 3.6, 3.8]


def test_ticks_through_zero_have_no_negative_zero() -> None:
    values = ticks(-0.7, 0.3)  # -0.6 + 3 × 0.2 leaves -5.6e-17, which rounds to -0.0
    assert values == [-0.6, -0.4, -0.2, 0, 0.2]
    assert math.copysign(1, values[3]) == 1
    assert tick_label(values[3]) == "0"


def test_an_empty_or_broken_range_gives_a_single_tick() -> None:
    assert ticks(5, 5) == [5]
    assert ticks(9, 1) == [9]
    assert ticks(0, math.inf) == [0]
    with pytest.raises(ValueError, match="count must be at least 1"):
        ticks(0, 1, count=0)


def test_extent_ticks_are_top_middle_bottom_with_zero_when_it_is_inside() -> None:
    assert extent_ticks(0, 50) == [50, 25, 0]
    assert extent_ticks(-3, 5) == [5, 0, -3]
    assert extent_ticks(4, 4) == [4]


def test_padding_widens_the_range_by_a_share_of_its_span() -> None:
    assert padded([10, 30, 20]) == pytest.approx((9, 31))
    assert padded([10, None, math.nan, 30], pad=0.5) == pytest.approx((0, 40))


def test_padding_equal_values_or_none_still_gives_a_usable_range() -> None:
    assert padded([40, 40]) == pytest.approx((38, 42))  # 5 % of the value itself
    assert padded([0, 0]) == pytest.approx((-0.05, 0.05))
    assert padded([]) == (0.0, 1.0)
    assert padded([None, math.inf]) == (0.0, 1.0)


def test_tick_labels_are_short_and_take_a_format() -> None:
    assert [tick_label(v) for v in (0, 2.5, 100.0, 1e-7)] == ["0", "2.5", "100", "1e-07"]
    assert tick_label(-0.0) == "0"
    assert tick_label(0.25, "{:.0%}") == "25%"


def test_number_labels_keep_three_decimals_when_small_and_four_digits_when_large() -> None:
    assert number_label(0.6667) == "0.667"
    assert number_label(1.5) == "1.5"
    assert number_label(1.0) == "1"
    assert number_label(0) == "0"
    assert number_label(42.0) == "42"
    assert number_label(47.3333) == "47.33"
    assert number_label(2.0) == "2"
