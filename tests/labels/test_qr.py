"""`qr_matrix` is qrcode's symbol, module for module, only faster."""

from __future__ import annotations

import random
import string

import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from labels.qr import LEVEL, MASK, qr_matrix
from tests.labels.samples import CODE_ALPHABET

ALPHANUMERIC = string.ascii_uppercase + string.digits + " $%*+-./:"


def qrcode_reference(text: str, version: int, level: int, mask: int) -> list[list[bool]]:
    qr = qrcode.QRCode(version=version, error_correction=level, mask_pattern=mask, border=0)
    qr.add_data(text)
    return qr.get_matrix()


def qrcode_best_version(text: str, level: int) -> int:
    qr = qrcode.QRCode(error_correction=level)
    qr.add_data(text)
    return qr.best_fit()


def random_texts(seed: int, count: int, alphabet: str, longest: int) -> list[str]:
    rnd = random.Random(seed)
    return [
        "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, longest))) for _ in range(count)
    ]


def assert_same_as_qrcode(text: str, level: int = LEVEL, mask: int = MASK) -> None:
    ours = qr_matrix(text, level, mask)
    assert ours.version == qrcode_best_version(text, level), text
    assert ours.modules() == qrcode_reference(text, ours.version, level, mask), text


def test_app_urls_of_every_length_give_qrcodes_own_matrix():
    rnd = random.Random(1)
    for length in range(1, 120, 3):  # versions 1 to 6 at level Q
        code = "".join(rnd.choice(CODE_ALPHABET) for _ in range(10))
        assert_same_as_qrcode(("HTTPS://" + "X" * length)[:length] + "/A/" + code)


def test_random_alphanumeric_texts_give_qrcodes_own_matrix():
    for text in random_texts(2, 40, ALPHANUMERIC, 200):
        assert_same_as_qrcode(text)


def test_lower_case_and_accented_texts_use_byte_mode_like_qrcode():
    texts = random_texts(3, 30, string.ascii_letters + string.digits + "/:.-_?=&", 150)
    texts += ["https://ordipret.example.fr/a/7k3m9p2qxw", "Propriété de la Région Île-de-France"]
    for text in texts:
        assert_same_as_qrcode(text)
    assert qr_matrix(texts[-2]).version > qr_matrix(texts[-2].upper()).version


def test_long_digit_runs_are_split_into_numeric_segments_like_qrcode():
    for text in random_texts(4, 15, string.digits, 300) + ["HTTPS://X.FR/A/" + "1" * 40]:
        assert_same_as_qrcode(text)


@pytest.mark.parametrize(
    "level", [ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q, ERROR_CORRECT_H]
)
def test_every_mask_at_every_level_gives_qrcodes_own_matrix(level):
    texts = ["HTTPS://ORDIPRET.EXAMPLE.FR/A/7K3M9P2QXW", "https://pret.example.fr/a/0"]
    for mask in range(8):
        for text in texts:
            assert_same_as_qrcode(text, level, mask)


def test_versions_with_several_error_correction_blocks_and_version_information_match():
    # Versions 7 and above carry version information; blocks of two lengths appear from
    # version 5; the length fields widen at versions 10 and 27 (here versions 6 to 29).
    for length in (150, 260, 400, 700, 1200):
        text = ("HTTPS://ORDIPRET.EXAMPLE.FR/A/" * 60)[:length]
        assert_same_as_qrcode(text, ERROR_CORRECT_M)
        assert_same_as_qrcode(text.lower(), ERROR_CORRECT_M)
    assert qr_matrix(text.lower(), ERROR_CORRECT_M).version >= 27


def test_an_app_url_fits_a_version_3_symbol_at_level_q():
    matrix = qr_matrix("HTTPS://ORDIPRET.EXAMPLE.FR/A/7K3M9P2QXW")
    assert (matrix.version, matrix.size, LEVEL) == (3, 29, ERROR_CORRECT_Q)


def test_dark_runs_cover_exactly_the_dark_modules():
    matrix = qr_matrix("HTTPS://ORDIPRET.EXAMPLE.FR/A/7K3M9P2QXW")
    painted = [[False] * matrix.size for _ in range(matrix.size)]
    for row, column, length in matrix.dark_runs():
        assert not any(painted[row][column : column + length])
        painted[row][column : column + length] = [True] * length
        assert column + length == matrix.size or not matrix.modules()[row][column + length]
    assert painted == matrix.modules()
