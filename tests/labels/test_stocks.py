from __future__ import annotations

import pytest

from labels.stocks import STOCKS, Box, LabelStock


@pytest.mark.parametrize("stock", STOCKS.values(), ids=STOCKS.keys())
def test_every_stock_fits_its_labels_on_its_page(stock):
    page = stock.page
    for index in range(stock.per_page):
        assert page.contains(stock.cell_box(index))


@pytest.mark.parametrize("stock", STOCKS.values(), ids=STOCKS.keys())
def test_every_labels_content_area_lies_inside_the_printable_area(stock):
    for index in range(stock.per_page):
        assert stock.printable_area.contains(stock.cell_box(index).inset(stock.padding))


def test_labels_are_counted_across_then_down():
    stock = STOCKS["L7160"]
    first, second, fourth = stock.cell(0), stock.cell(1), stock.cell(3)
    assert second[0] == pytest.approx(first[0] + 66.04) and second[1] == first[1]
    assert fourth == (first[0], pytest.approx(first[1] + 38.1))


def test_cells_repeat_on_every_page():
    stock = STOCKS["L7651"]
    assert stock.cell(stock.per_page + 7) == stock.cell(7)


def test_a_stock_whose_labels_overflow_the_page_is_refused():
    with pytest.raises(ValueError, match="overflow"):
        LabelStock("X", "x", 210, 297, 3, 8, 63.5, 38.1, 7.21, 15.15, column_gap=2.54)


def test_the_label_roll_prints_one_label_per_page():
    stock = STOCKS["QL62"]
    assert stock.per_page == 1 and stock.page == Box(0, 0, 62, 30) == stock.cell_box(0)
