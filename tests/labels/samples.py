"""Label contents to print, and the real tools that read printed labels back: pdfium to
rasterise, zxing-cpp to decode."""

from __future__ import annotations

import random

import pypdfium2
import zxingcpp
from PIL import Image

from labels.layout import LabelContent
from labels.stocks import Box

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REGIONS = ("Centre-Val de Loire", "Provence-Alpes-Côte d'Azur", "Île-de-France", "Bretagne")
DPI = 300


def label_contents(count: int, seed: int = 24, base: str = "HTTPS://ORDIPRET.EXAMPLE.FR"):
    """`count` labels as the app makes them: upper-cased URL, asset tag, a serial (some
    empty) and a region."""
    rnd = random.Random(seed)
    labels = []
    for number in range(count):
        code = "".join(rnd.choice(CODE_ALPHABET) for _ in range(10))
        serial = "" if number % 4 == 3 else f"5CD{rnd.randrange(10**9):09d}"
        region = REGIONS[number % len(REGIONS)]
        labels.append(LabelContent(f"{base}/A/{code}", f"CVL-{number:06d}", serial, region))
    return labels


def pages(pdf: bytes, dpi: int = DPI) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72, grayscale=True).to_pil() for page in document]
    finally:
        document.close()


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [(p.get_width() * 25.4 / 72, p.get_height() * 25.4 / 72) for p in document]
    finally:
        document.close()


def page_texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def crop(image: Image.Image, box: Box, dpi: int = DPI) -> Image.Image:
    scale = dpi / 25.4
    return image.crop(
        (
            round(box.x * scale),
            round(box.y * scale),
            round(box.right * scale),
            round(box.bottom * scale),
        )
    )


def decode(image: Image.Image) -> list[str]:
    """The text of every QR code zxing finds in the image."""
    return [
        result.text
        for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def is_blank(image: Image.Image) -> bool:
    return image.convert("L").getextrema() == (255, 255)
