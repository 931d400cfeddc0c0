"""QR module matrices, fast: `qrcode`'s own symbol for a fixed error correction and mask.

`qrcode.QRCode()` spends most of its ~7.5 ms per symbol choosing the mask (it builds the
symbol eight times and scores each), and the rest in bit-by-bit Python loops. A sheet of
10,000 labels cannot afford that, so `qr_matrix` keeps qrcode's choices — its segmentation
(`optimal_data_chunks`, as `add_data` does), its version tables, GF(256) tables and
Reed–Solomon block layout — and precomputes, once per (version, level, mask), everything that
does not depend on the text. What is left per symbol is a few big-integer operations and one
C-level gather. `tests/labels/test_qr.py` proves the result equal, module for module, to
`qrcode.QRCode(version=v, error_correction=level, mask_pattern=mask).get_matrix()`.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, compress, repeat
from operator import add, itemgetter

import qrcode
import qrcode.exceptions
from qrcode import LUT, base, util
from qrcode.constants import ERROR_CORRECT_Q

# Q (25 % of the codewords can be restored) rather than M (15 %): the labels live on laptops
# handled by teenagers for years, so scratches, smudges and worn corners are the normal case.
# For our upper-cased URLs (alphanumeric mode, up to 47 characters at Q) both levels give the
# same version 3, 29 × 29 modules, so Q costs nothing in module size: about 0.49 mm per module
# on the 18 mm QR of an L7651, well above the ~0.3 mm phone cameras read comfortably. Longer
# base URLs step Q up to version 4 (0.44 mm on an L7651) — still fine.
LEVEL = ERROR_CORRECT_Q
# One fixed mask, as decoders read all eight. qrcode's automatic choice only lowers a penalty
# score (long runs, blocks, finder-like patterns). Scored with qrcode's own `lost_point` over
# 200 of our URLs, mask 4 averages 602 points, against 587 for the per-symbol best choice
# and 673 for mask 0; it also came first or second of the eight for a longer version-4 URL
# and for a local one.
MASK = 4

_PADDING = bytes([util.PAD0, util.PAD1]) * 1500  # alternating pad codewords, longer than v40


@dataclass(frozen=True, slots=True)
class QrMatrix:
    """A QR symbol without quiet zone: `rows[r][c]` is "1" for a dark module."""

    version: int
    rows: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.rows)

    def modules(self) -> list[list[bool]]:
        """The matrix as `qrcode`'s `get_matrix()` gives it (border 0)."""
        return [[cell == "1" for cell in row] for row in self.rows]

    def dark_runs(self) -> list[tuple[int, int, int]]:
        """(row, first column, length) of every horizontal run of dark modules."""
        # Split on light modules (rows joined by one more): each piece is a run, maybe
        # empty, and its start is the running sum of the pieces before it plus separators.
        lengths = list(map(len, "0".join(self.rows).split("0")))
        starts = compress(accumulate(map(add, lengths, repeat(1)), initial=0), lengths)
        width = self.size + 1
        return [
            (*divmod(start, width), n)
            for start, n in zip(starts, filter(None, lengths), strict=True)
        ]


class _Bits:
    """What `QRData.write` needs of qrcode's `BitBuffer` (`put`), kept in one integer instead
    of a bit-by-bit list: same bits, same order."""

    __slots__ = ("value", "length")

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length


@dataclass(frozen=True, slots=True)
class _Symbol:
    """All of a (version, level, mask) symbol that does not depend on the text."""

    size: int
    data_bytes: int  # data codewords, before error correction
    blocks: tuple[tuple[int, int, int], ...]  # (first data byte, data count, ec count)
    interleave: itemgetter  # picks the transmitted codeword order from data + ec bytes
    remainder: int  # data modules beyond the last codeword: always light before masking
    mask_bits: int  # the mask over the data modules, in placement order
    cells: itemgetter  # row-major cell -> index in (placed bits + "0" + "1")
    row_slices: tuple[slice, ...]  # each row in the row-major string


def _template(version: int, level: int, mask: int) -> list[list[bool | None]]:
    """qrcode's own symbol before data placement: finder, timing, alignment patterns, format
    and version information; `None` marks a data module. They depend only on the version (and
    on level and mask, for the format bits), never on the text."""
    qr = qrcode.QRCode(version=version, error_correction=level, border=0)
    qr.data_cache = []  # nothing to encode
    # Stop right before placing data (a deliberate patch of this one instance's method).
    qr.map_data = lambda data, mask_pattern: None  # type: ignore[method-assign]
    qr.makeImpl(False, mask)
    return qr.modules


def _placement(template: list[list[bool | None]]) -> list[tuple[int, int]]:
    """The cells data bits go to, in order: the zigzag of `QRCode.map_data` — two-column
    strips from the right, up then down, skipping the vertical timing column and every cell
    the template already holds. It depends on the template only."""
    size = len(template)
    order: list[tuple[int, int]] = []
    row, step = size - 1, -1
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1
        while 0 <= row < size:
            order.extend((row, c) for c in (right, right - 1) if template[row][c] is None)
            row += step
        row -= step
        step = -step
    return order


@cache
def _symbol(version: int, level: int, mask: int) -> _Symbol:
    template = _template(version, level, mask)
    size = len(template)
    placed = _placement(template)
    masked = util.mask_func(mask)
    # The stream is one integer whose most significant bit goes to placed[0], so the mask
    # (a function of the cell only) can be XORed onto it in one operation per symbol.
    mask_bits = 0
    for row, col in placed:
        mask_bits = (mask_bits << 1) | bool(masked(row, col))

    blocks, start = [], 0
    for block in base.rs_blocks(version, level):
        blocks.append((start, block.data_count, block.total_count - block.data_count))
        start += block.data_count
    # Interleave as `util.create_bytes`: the i-th data byte of every block in turn, then the
    # i-th error correction byte of every block; ec bytes follow all data bytes in the input.
    data_at = [range(s, s + n) for s, n, _ in blocks]
    ec_at, offset = [], start
    for _, _, n_ec in blocks:
        ec_at.append(range(offset, offset + n_ec))
        offset += n_ec
    order = [r[i] for i in range(max(map(len, data_at))) for r in data_at if i < len(r)]
    order += [r[i] for i in range(max(map(len, ec_at))) for r in ec_at if i < len(r)]

    light, dark = len(placed), len(placed) + 1
    position = {cell: i for i, cell in enumerate(placed)}
    cells = [
        position[(r, c)] if template[r][c] is None else (dark if template[r][c] else light)
        for r in range(size)
        for c in range(size)
    ]
    return _Symbol(
        size=size,
        data_bytes=start,
        blocks=tuple(blocks),
        interleave=itemgetter(*order),
        remainder=len(placed) - 8 * offset,
        mask_bits=mask_bits,
        cells=itemgetter(*cells),
        row_slices=tuple(slice(i, i + size) for i in range(0, size * size, size)),
    )


@cache
def _ec_table(n_ec: int) -> tuple[int, ...]:
    """For each possible leading byte f, f × (generator without its leading 1), as one
    integer of n_ec bytes: the XOR a polynomial-division step applies. The generator is
    qrcode's (`LUT.rsPoly_LUT`), multiplied with its own EXP/LOG tables."""
    generator = LUT.rsPoly_LUT[n_ec][1:]
    table = [0]
    for factor in range(1, 256):
        log_f = base.LOG_TABLE[factor]
        row = [base.EXP_TABLE[(log_f + base.LOG_TABLE[g]) % 255] if g else 0 for g in generator]
        table.append(int.from_bytes(bytes(row), "big"))
    return tuple(table)


def _error_correction(data: bytes, n_ec: int) -> bytes:
    """The remainder of data(x)·x^n_ec divided by the generator — what `Polynomial.__mod__`
    computes — by the usual shift register, the register held in one integer."""
    table, top, keep = _ec_table(n_ec), 8 * (n_ec - 1), (1 << (8 * n_ec)) - 1
    register = 0
    for byte in data:
        register = ((register << 8) & keep) ^ table[byte ^ (register >> top)]
    return register.to_bytes(n_ec, "big")


def _version(segments: list[tuple[util.QRData, _Bits]], level: int) -> int:
    """The smallest version the bits fit in, as `QRCode.best_fit`: the length fields grow at
    versions 10 and 27, so each size class is tried with its own field widths."""
    limits = util.BIT_LIMIT_TABLE[level]
    for first, last in ((1, 9), (10, 26), (27, 40)):
        sizes = util.mode_sizes_for_version(first)
        needed = sum(4 + sizes[data.mode] + bits.length for data, bits in segments)
        version = bisect_left(limits, needed, first)
        if version <= last:
            return version
    raise qrcode.exceptions.DataOverflowError(f"{len(segments)} segments too long for a QR")


def qr_matrix(text: str, level: int = LEVEL, mask: int = MASK) -> QrMatrix:
    """The QR symbol of `text`, identical to qrcode's for this level and mask."""
    segments = []
    for data in util.optimal_data_chunks(text, minimum=20):  # as `QRCode.add_data` does
        bits = _Bits()
        data.write(bits)  # type: ignore[arg-type]  # _Bits has all write() uses of BitBuffer
        segments.append((data, bits))
    version = _version(segments, level)
    symbol = _symbol(version, level, mask)

    stream = _Bits()
    sizes = util.mode_sizes_for_version(version)
    for data, bits in segments:
        stream.put(data.mode, 4)
        stream.put(len(data), sizes[data.mode])
        stream.put(bits.value, bits.length)
    # Terminator (up to four 0 bits), then 0s to a byte boundary, then pad codewords.
    capacity = 8 * symbol.data_bytes
    stream.put(0, min(capacity - stream.length, 4))
    stream.put(0, -stream.length % 8)
    used = stream.length // 8
    payload = stream.value.to_bytes(used, "big") + _PADDING[: symbol.data_bytes - used]

    ec = b"".join(_error_correction(payload[s : s + n], n_ec) for s, n, n_ec in symbol.blocks)
    codewords = bytes(symbol.interleave(payload + ec))
    placed = (int.from_bytes(codewords, "big") << symbol.remainder) ^ symbol.mask_bits
    source = format(placed, f"0{len(codewords) * 8 + symbol.remainder}b") + "01"
    flat = "".join(symbol.cells(source))
    return QrMatrix(version, tuple(map(flat.__getitem__, symbol.row_slices)))
