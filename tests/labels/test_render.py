"""Printed labels read back: rasterised by pdfium at 300 dpi, decoded by zxing-cpp."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zlib

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image, ImageDraw

from labels.layout import layout_sheet
from labels.qr import qr_matrix
from labels.render import render_png, render_sheet, render_svg
from labels.stocks import STOCKS
from tests.labels.samples import (
    crop,
    decode,
    is_blank,
    label_contents,
    page_sizes_mm,
    page_texts,
    pages,
)

EVERY_STOCK = pytest.mark.parametrize("stock", STOCKS.values(), ids=STOCKS.keys())


def assert_every_label_decodes(pdf, labels, stock, offset=0, shift=(0.0, 0.0)):
    """Each label's own cell (moved by the calibration) holds exactly its own URL."""
    images = pages(pdf)
    for position, content in enumerate(labels, start=offset):
        page, slot = divmod(position, stock.per_page)
        cell = stock.cell_box(slot).shifted(*shift)
        assert decode(crop(images[page], cell)) == [content.url], (stock.key, page, slot)
    return images


@EVERY_STOCK
def test_every_label_of_a_full_sheet_decodes_to_its_own_url(stock):
    labels = label_contents(stock.per_page)
    assert_every_label_decodes(render_sheet(labels, stock), labels, stock)


def test_a_sheet_with_an_offset_leaves_the_used_cells_blank():
    stock = STOCKS["L7651"]
    labels = label_contents(12, seed=5)
    images = assert_every_label_decodes(render_sheet(labels, stock, offset=7), labels, stock, 7)
    for slot in range(7):
        assert is_blank(crop(images[0], stock.cell_box(slot))), slot
    assert is_blank(crop(images[0], stock.cell_box(19)))


def test_a_run_longer_than_a_sheet_prints_on_as_many_pages_and_all_decode():
    stock = STOCKS["L7163"]
    labels = label_contents(25, seed=6)
    pdf = render_sheet(labels, stock, offset=10)
    assert len(page_sizes_mm(pdf)) == 3
    images = assert_every_label_decodes(pdf, labels, stock, 10)
    assert is_blank(crop(images[2], stock.cell_box(7)))


def test_a_calibrated_sheet_moves_every_label_by_the_shift_and_all_decode():
    stock, shift = STOCKS["L7160"], (1.5, -1.5)
    labels = label_contents(stock.per_page, seed=7)
    pdf = render_sheet(labels, stock, calibration_mm=shift)
    images = assert_every_label_decodes(pdf, labels, stock, shift=shift)
    # The ink moved: the QR's top-left module is dark where the layout shifted it.
    label = layout_sheet(labels, stock, calibration_mm=shift)[0]
    corner = label.qr_box.inset(4 * label.module + 0.1)
    assert images[0].getpixel((round(corner.x * 300 / 25.4), round(corner.y * 300 / 25.4))) < 64


def test_a_calibration_off_the_printable_area_is_refused_before_drawing():
    with pytest.raises(ValueError, match="zone imprimable"):
        render_sheet(label_contents(1), STOCKS["L7160"], calibration_mm=(-6.0, 0.0))


@EVERY_STOCK
def test_pages_have_the_stocks_paper_size(stock):
    width, height = page_sizes_mm(render_sheet(label_contents(2), stock))[0]
    assert (width, height) == (
        pytest.approx(stock.page_width, abs=0.01),
        pytest.approx(stock.page_height, abs=0.01),
    )


def test_the_text_is_real_text_with_its_french_accents():
    labels = label_contents(4)
    text = page_texts(render_sheet(labels, STOCKS["L7163"]))[0]
    for line in ("Propriété de la Région Île-de-France", "Provence-Alpes-Côte d'Azur"):
        assert line in text
    assert "CVL-000003" in text


def test_each_qr_is_one_vector_path_and_the_pdf_holds_no_image():
    stock = STOCKS["L7160"]
    document = pypdfium2.PdfDocument(render_sheet(label_contents(5), stock))
    try:
        kinds = [obj.type for obj in document[0].get_objects()]
    finally:
        document.close()
    assert kinds.count(pdfium_c.FPDF_PAGEOBJ_PATH) == 5
    assert pdfium_c.FPDF_PAGEOBJ_IMAGE not in kinds


def painted_matrices(pdf: bytes, size: int) -> list[list[list[bool]]]:
    """The module matrix each QR path of the PDF paints, in drawing order: its rectangles
    (`x y w 1 re`, in module units) filled into a `size` × `size` grid."""
    streams = re.findall(rb"\nstream\r?\n(.*?)endstream", pdf, re.DOTALL)
    content = b"".join(zlib.decompressobj().decompress(s) for s in streams).decode("latin-1")
    matrices = []
    for path in re.findall(r"q 0 g [-\d. ]+ cm\n(.*?)f Q", content, re.DOTALL):
        matrix = [[False] * size for _ in range(size)]
        for x, y, width in re.findall(r"(\d+) (\d+) (\d+) 1 re\n", path):
            for column in range(int(x), int(x) + int(width)):
                assert not matrix[int(y)][column], "rectangles overlap"
                matrix[int(y)][column] = True
        matrices.append(matrix)
    return matrices


def test_each_qr_path_paints_exactly_its_module_matrix():
    labels = label_contents(4)
    pdf = render_sheet(labels, STOCKS["L7160"])
    expected = [qr_matrix(label.url).modules() for label in labels]
    assert painted_matrices(pdf, 29) == expected


def test_a_long_url_needing_a_big_symbol_is_drawn_and_decodes_too():
    # Symbols above version 7 are drawn run by run instead of from the span tables.
    (content,) = label_contents(1, base="HTTPS://" + "ORDIPRET." * 14 + "EXAMPLE.FR")
    stock = STOCKS["L7163"]
    matrix = qr_matrix(content.url)
    assert matrix.version >= 8
    pdf = render_sheet([content], stock)
    assert painted_matrices(pdf, matrix.size) == [matrix.modules()]
    assert_every_label_decodes(pdf, [content], stock)


def test_the_same_labels_give_the_same_pdf_bytes():
    labels = label_contents(3)
    assert render_sheet(labels, STOCKS["5160"]) == render_sheet(labels, STOCKS["5160"])


@EVERY_STOCK
def test_a_single_label_png_is_label_sized_and_decodes(stock):
    content = label_contents(1, seed=8)[0]
    image = Image.open(io.BytesIO(render_png(content, stock, dpi=300)))
    assert image.size == (
        round(stock.label_width / 25.4 * 300),
        round(stock.label_height / 25.4 * 300),
    )
    assert decode(image) == [content.url]


def svg_matrix(svg: str) -> tuple[list[list[bool]], ET.Element]:
    """The module matrix the SVG's QR path paints: one `M col row h length v1 h-length z`
    rectangle per run of dark modules."""
    root = ET.fromstring(svg)
    path = root.find("{http://www.w3.org/2000/svg}path")
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", path.get("d"))
    assert "".join(f"M{c} {r}h{n}v1h-{m}z" for c, r, n, m in runs) == path.get("d")
    size = max(int(c) + int(n) for c, _, n, _ in runs)
    matrix = [[False] * size for _ in range(size)]
    for column, row, length, back in runs:
        assert length == back
        for x in range(int(column), int(column) + int(length)):
            assert not matrix[int(row)][x]
            matrix[int(row)][x] = True
    return matrix, root


def test_a_single_label_svg_paints_exactly_the_qr_matrix_which_decodes():
    content = label_contents(1, seed=9)[0]
    matrix, root = svg_matrix(render_svg(content, STOCKS["L7160"]))
    assert matrix == qr_matrix(content.url).modules()
    # No SVG rasteriser here: paint the path's rectangles, with the quiet zone, and decode.
    box = 8
    image = Image.new("L", ((len(matrix) + 8) * box,) * 2, 255)
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x, y = (c + 4) * box, (r + 4) * box
                draw.rectangle((x, y, x + box - 1, y + box - 1), fill=0)
    assert decode(image) == [content.url]
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert content.caption in texts and root.get("viewBox") == "0 0 63.5 38.1"
