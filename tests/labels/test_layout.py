"""Where things go on a label, checked on the layout every drawing reads."""

from __future__ import annotations

import itertools

import pytest

from labels.layout import BOLD, LabelContent, check_calibration, layout_label, layout_sheet
from labels.render import content_boxes
from labels.stocks import STOCKS
from tests.labels.samples import REGIONS, label_contents

EVERY_STOCK = pytest.mark.parametrize("stock", STOCKS.values(), ids=STOCKS.keys())


def shifts(stock) -> list[tuple[float, float]]:
    # Within what each stock allows: the label roll has 0.5 mm around its content.
    s = 0.5 if stock.key == "QL62" else 1.5
    return [(0.0, 0.0), (s, -s), (-s, s)]


@EVERY_STOCK
def test_every_labels_content_stays_inside_its_cell_padding_and_the_printable_area(stock):
    labels = label_contents(stock.per_page)
    for dx, dy in shifts(stock):
        for label in layout_sheet(labels, stock, calibration_mm=(dx, dy)):
            area = label.cell.shifted(dx, dy).inset(stock.padding)
            for box in label.boxes:
                assert area.contains(box), (stock.key, label.slot, box)
                assert stock.printable_area.contains(box), (stock.key, label.slot, box)


@EVERY_STOCK
def test_nothing_prints_on_the_qr_or_its_quiet_zone_nor_over_another_line(stock):
    for label in layout_sheet(label_contents(len(REGIONS)), stock):
        for first, second in itertools.combinations(label.boxes, 2):
            apart = (
                first.right <= second.x + 1e-9
                or second.right <= first.x + 1e-9
                or first.bottom <= second.y + 1e-9
                or second.bottom <= first.y + 1e-9
            )
            assert apart, (stock.key, first, second)


@EVERY_STOCK
def test_the_qr_keeps_a_four_module_quiet_zone_inside_its_box(stock):
    label = layout_sheet(label_contents(1), stock)[0]
    assert label.qr_box.width == pytest.approx(label.qr_box.height)
    assert label.qr_box.width == pytest.approx(label.module * (label.qr.size + 8))


@EVERY_STOCK
def test_the_caption_is_the_largest_text_and_always_printed(stock):
    for label in layout_sheet(label_contents(len(REGIONS)), stock):
        captions = [line for line in label.lines if line.font == BOLD]
        assert [line.text for line in captions] == [label.content.caption]
        assert captions[0].size == max(line.size for line in label.lines)


@pytest.mark.parametrize("key", ["L7160", "L7163", "5160", "QL62"])
def test_wider_stocks_print_the_owner_notice_with_the_region(key):
    for label in layout_sheet(label_contents(len(REGIONS)), STOCKS[key]):
        text = " ".join(line.text for line in label.lines)
        assert f"Propriété de la Région {label.content.region_name}" in text


def test_content_boxes_are_the_qr_then_each_line_of_every_label_in_order():
    labels, stock = label_contents(30), STOCKS["L7160"]
    boxes = content_boxes(labels, stock, offset=2, calibration_mm=(0.5, 0.5))
    placed = layout_sheet(labels, stock, offset=2, calibration_mm=(0.5, 0.5))
    assert boxes == [[label.qr_box, *(line.box for line in label.lines)] for label in placed]


def test_the_smallest_stock_keeps_a_qr_of_15_mm_and_the_caption_and_drops_the_owner():
    for label in layout_sheet(label_contents(8), STOCKS["L7651"]):
        assert label.qr_box.width >= 15.0
        texts = [line.text for line in label.lines]
        assert label.content.caption in texts
        assert not any("Propriété" in text for text in texts)


def test_the_full_serial_is_printed_where_the_stock_leaves_room():
    content = LabelContent("HTTPS://X.FR/A/1", "CVL-000001", " PF3ABCDE12345678 ", "Bretagne")
    label = layout_label(content, STOCKS["L7160"], STOCKS["L7160"].cell_box(0))
    assert label.lines[-1].text == "S/N PF3ABCDE12345678"
    assert "Propriété de la Région" in label.lines[0].text  # the owner notice stays


def test_a_serial_too_long_for_one_line_wraps_before_it_is_cut():
    serial = "SN-0123456789ABCDEFGHIJ-KLMNOP"
    content = LabelContent("HTTPS://X.FR/A/1", "CVL-000001", serial, "Centre-Val de Loire")
    label = layout_label(content, STOCKS["L7160"], STOCKS["L7160"].cell_box(0))
    texts = [line.text for line in label.lines]
    assert texts[-2:] == ["S/N SN-0123456789AB", "CDEFGHIJ-KLMNOP"]
    small = layout_label(content, STOCKS["L7651"], STOCKS["L7651"].cell_box(0))
    assert small.lines[-1].text == "S/N J-KLMNOP"  # the smallest stock: only its end


def test_an_empty_serial_prints_no_serial_line():
    content = LabelContent("HTTPS://X.FR/A/1", "7K3M9P2QXW", "", "Bretagne")
    label = layout_label(content, STOCKS["L7160"], STOCKS["L7160"].cell_box(0))
    assert [line.text for line in label.lines][-1] == "7K3M9P2QXW"


def test_a_label_without_region_name_prints_no_owner_notice():
    content = LabelContent("HTTPS://X.FR/A/1", "CVL-000001", "PF3ABCDE", " ")
    label = layout_label(content, STOCKS["L7163"], STOCKS["L7163"].cell_box(0))
    assert [line.text for line in label.lines] == ["CVL-000001", "S/N PF3ABCDE"]


def test_a_label_without_caption_is_refused_in_french():
    content = LabelContent("HTTPS://X.FR/A/1", " ", "PF3ABCDE", "Bretagne")
    with pytest.raises(ValueError, match="doit porter un numéro d'inventaire"):
        layout_label(content, STOCKS["L7160"], STOCKS["L7160"].cell_box(0))


def test_a_caption_too_long_to_stay_readable_is_refused_in_french():
    content = LabelContent("HTTPS://X.FR/A/1", "CVL-" + "0" * 36, "", "Bretagne")
    with pytest.raises(ValueError, match="trop long pour ce format"):
        layout_label(content, STOCKS["L7651"], STOCKS["L7651"].cell_box(0))


def test_an_offset_skips_the_cells_already_used_on_the_first_sheet():
    placed = layout_sheet(label_contents(3), STOCKS["L7160"], offset=5)
    assert [(label.page, label.slot) for label in placed] == [(0, 5), (0, 6), (0, 7)]


def test_a_run_longer_than_a_sheet_continues_at_the_top_of_the_next_page():
    placed = layout_sheet(label_contents(30), STOCKS["L7163"], offset=10)
    assert [(label.page, label.slot) for label in placed[3:6]] == [(0, 13), (1, 0), (1, 1)]
    assert (placed[-1].page, placed[-1].slot) == (2, 11)


@pytest.mark.parametrize("offset", [-1, 21])
def test_an_offset_outside_the_sheet_is_refused(offset):
    with pytest.raises(ValueError, match="déjà utilisées"):
        layout_sheet(label_contents(1), STOCKS["L7160"], offset=offset)


def test_printing_no_label_is_refused():
    with pytest.raises(ValueError, match="Aucune étiquette"):
        layout_sheet([], STOCKS["L7160"])


@pytest.mark.parametrize(
    ("key", "shift"),
    [("L7163", (-2.5, 0.0)), ("L7651", (0.0, -8.0)), ("5160", (1.8, 0.0)), ("QL62", (0, 0.6))],
)
def test_a_calibration_pushing_content_off_the_printable_area_is_refused_in_french(key, shift):
    with pytest.raises(ValueError, match="sortir l'étiquette n° .* de la zone imprimable"):
        layout_sheet(label_contents(1), STOCKS[key], calibration_mm=shift)


@EVERY_STOCK
def test_every_stock_accepts_printing_without_calibration(stock):
    check_calibration(stock, (0.0, 0.0))


def test_a_calibration_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError, match="nombre de millimètres"):
        check_calibration(STOCKS["L7160"], (float("nan"), 0.0))
