"""A signed class stack back from the scanner, with real parts: conventions printed by
`render_agreements`, scanned by the simulated copier of `bench.scanner` (pdfium, Pillow,
JPEG pages), read back by pdfium and zxing-cpp, split by pypdf."""

from __future__ import annotations

import functools
import io

import pypdf
import pytest

from bench.scanner import Handling, scan
from inventory.errors import Invalid
from loans.agreement_pdf import render_agreement, render_agreements
from loans.scan_stack import (
    REOPEN_EVERY,
    LoanPages,
    ScannedPage,
    UnknownCode,
    match_stack,
    read_stack,
    split_pages,
    upright_turns,
)
from tests.loans.agreement_samples import agreement

CLASS = [agreement(n, guardians=1 + n % 2) for n in range(6)]
URLS = {data.verification_url: data.reference for data in CLASS}
ANGLES = (0.0, 2.5, -3.0, 4.0, -2.0, 3.5)  # as the sheets lay on the glass, in turn
SCAN_DPI = 150  # a copier's usual setting; the benchmark scans at 200


@functools.cache
def printed_owners() -> tuple[int, ...]:
    """For each printed page of the class batch, the number of its convention."""
    return tuple(
        number
        for number, data in enumerate(CLASS)
        for _ in pypdf.PdfReader(io.BytesIO(render_agreement(data))).pages
    )


def first_page_of(number: int) -> int:
    return printed_owners().index(number)


def smudged() -> int:
    """A middle page of the third convention: its code painted over."""
    assert printed_owners().count(2) >= 3
    return first_page_of(2) + 1


def upside_down() -> int:
    return first_page_of(2) - 1  # the last page of the second convention


def blank_before() -> int:
    return first_page_of(4)  # a blank sheet slipped in before the fifth convention


def scan_index(printed: int) -> int:
    return printed + (printed >= blank_before())


@functools.cache
def class_scan() -> bytes:
    handling = {
        page: Handling(angle=ANGLES[page % len(ANGLES)]) for page in range(len(printed_owners()))
    }
    handling[upside_down()] = Handling(angle=1.5, upside_down=True)
    handling[smudged()] = Handling(angle=-2.0, smudged_qr=True)
    printed = render_agreements(CLASS)
    return scan(printed, handling, blank_before={blank_before()}, dpi=SCAN_DPI)


@functools.cache
def class_pages() -> tuple[ScannedPage, ...]:
    return tuple(read_stack(class_scan()))


def expected_loans() -> list[LoanPages]:
    return [
        LoanPages(
            data.reference,
            [scan_index(p) for p, owner in enumerate(printed_owners()) if owner == number],
            [scan_index(smudged())] if number == 2 else [],
        )
        for number, data in enumerate(CLASS)
    ]


def read(index: int, text: str) -> ScannedPage:
    return ScannedPage(index, "read", text, 0)


def unreadable(index: int) -> ScannedPage:
    return ScannedPage(index, "unreadable")


def blank(index: int) -> ScannedPage:
    return ScannedPage(index, "blank")


# The class stack, end to end


def test_every_page_of_a_scanned_class_stack_lands_on_its_loan():
    match = match_stack(class_pages(), URLS.get)
    assert match.loans == expected_loans()
    assert match.unmatched == []
    assert match.unknown == []


def test_a_blank_sheet_in_the_stack_is_listed_as_blank_and_joins_no_loan():
    pages = class_pages()
    assert [p.index for p in pages if p.verdict == "blank"] == [blank_before()]
    assert match_stack(pages, URLS.get).blank == [blank_before()]


def test_a_page_whose_code_is_smudged_joins_its_neighbours_loan_flagged_as_inferred():
    page = class_pages()[scan_index(smudged())]
    assert page == ScannedPage(scan_index(smudged()), "unreadable")
    third = match_stack(class_pages(), URLS.get).loans[2]
    assert third.loan == CLASS[2].reference
    assert scan_index(smudged()) in third.pages
    assert third.inferred == [scan_index(smudged())]


def test_pages_turned_a_few_degrees_or_upside_down_are_read_and_their_turn_is_told():
    pages = class_pages()
    turned = scan_index(upside_down())
    assert [p.index for p in pages] == list(range(len(printed_owners()) + 1))
    for page in pages:
        if page.verdict == "read":
            assert page.rotation is not None
            expected = 180 if page.index == turned else 0
            assert abs(page.rotation - expected) <= 6, page
    assert upright_turns(pages) == {turned: 180}


def test_the_loan_of_each_page_is_the_convention_printed_on_it():
    for printed, owner in enumerate(printed_owners()):
        page = class_pages()[scan_index(printed)]
        if printed != smudged():
            assert page.verdict == "read"
            assert page.text == CLASS[owner].verification_url


def test_a_code_that_names_no_known_loan_is_listed_as_unknown_with_its_pages():
    stranger = CLASS[3].verification_url  # printed for another school, say
    known = {url: ref for url, ref in URLS.items() if url != stranger}
    match = match_stack(class_pages(), known.get)
    pages = [scan_index(p) for p, owner in enumerate(printed_owners()) if owner == 3]
    assert match.unknown == [UnknownCode(stranger, pages)]
    assert [loan.loan for loan in match.loans] == [
        d.reference for n, d in enumerate(CLASS) if n != 3
    ]
    assert match.unmatched == []


def test_split_pages_yields_a_pdf_of_exactly_those_pages_as_scanned_and_turned_upright():
    scanned = class_scan()
    second = match_stack(class_pages(), URLS.get).loans[1]
    assert scan_index(upside_down()) in second.pages
    part = split_pages(scanned, second.pages, turns=upright_turns(class_pages()))

    source = pypdf.PdfReader(io.BytesIO(scanned)).pages
    copied = pypdf.PdfReader(io.BytesIO(part)).pages
    assert len(copied) == len(second.pages)
    for page, index in zip(copied, second.pages, strict=True):
        # The same scanned image, not a new rendering of it.
        assert page.images[0].data == source[index].images[0].data
        assert page.rotation == (180 if index == scan_index(upside_down()) else 0)
    again = read_stack(part)
    assert {p.text for p in again} == {CLASS[1].verification_url}
    assert all(p.rotation is not None and abs(p.rotation) <= 6 for p in again)


def test_a_stack_longer_than_one_opening_of_the_document_is_read_to_its_last_page():
    batch = [agreement(n) for n in range(10)]  # the printed file itself: ~30 pages
    owners = [
        data.verification_url
        for data in batch
        for _ in pypdf.PdfReader(io.BytesIO(render_agreement(data))).pages
    ]
    assert len(owners) > REOPEN_EVERY
    assert [p.text for p in read_stack(render_agreements(batch))] == owners


# Files refused, limits, progress


def test_a_file_that_is_not_a_pdf_is_refused_naming_the_file():
    for content in (b"", b"\x89PNG\r\n\x1a\n" + bytes(64), "Nom;Prénom\n".encode()):
        with pytest.raises(Invalid) as refused:
            read_stack(content)
        assert set(refused.value.errors) == {"file"}
        assert "PDF" in refused.value.errors["file"]


def test_a_damaged_pdf_is_refused_naming_the_file():
    with pytest.raises(Invalid) as refused:
        read_stack(b"%PDF-1.7\n" + bytes(200))
    assert set(refused.value.errors) == {"file"}


def test_a_stack_of_too_many_pages_is_refused_before_any_page_is_read():
    told = []
    with pytest.raises(Invalid) as refused:
        read_stack(
            render_agreement(CLASS[0]),
            max_pages=2,
            progress=lambda done, total: told.append(done),
        )
    assert "au plus 2" in refused.value.errors["file"]
    assert told == []


def test_a_file_too_large_is_refused_naming_the_file():
    with pytest.raises(Invalid) as refused:
        read_stack(b"%PDF-1.7\n" + bytes(3 * 2**20), max_bytes=2**20)
    assert "volumineux" in refused.value.errors["file"]


def test_progress_is_told_after_each_page():
    printed = render_agreement(CLASS[0])
    told: list[tuple[int, int]] = []
    pages = read_stack(printed, progress=lambda done, total: told.append((done, total)))
    assert told == [(n + 1, len(pages)) for n in range(len(pages))]


def test_split_pages_refuses_pages_outside_the_scan_naming_pages():
    printed = render_agreement(CLASS[0])
    for indices in ([], [0, 99]):
        with pytest.raises(Invalid) as refused:
            split_pages(printed, indices)
        assert set(refused.value.errors) == {"pages"}
    assert "99" not in str(refused.value) and "100" in str(refused.value)


# Matching, page by page


def test_an_unreadable_page_before_the_first_code_or_after_the_last_is_unmatched():
    a = "https://ordipret.example.fr/v/A"
    match = match_stack(
        [unreadable(0), read(1, a), read(2, a), unreadable(3), blank(4)], {a: 1}.get
    )
    assert match.loans == [LoanPages(1, [1, 2])]
    assert match.unmatched == [0, 3]
    assert match.blank == [4]


def test_an_unreadable_page_between_two_loans_is_unmatched():
    a, b = "https://ordipret.example.fr/v/A", "https://ordipret.example.fr/v/B"
    match = match_stack([read(0, a), unreadable(1), read(2, b)], {a: 1, b: 2}.get)
    assert match.loans == [LoanPages(1, [0]), LoanPages(2, [2])]
    assert match.unmatched == [1]


def test_blank_pages_between_do_not_part_a_loan_from_its_unreadable_pages():
    a = "https://ordipret.example.fr/v/A"
    pages = [read(0, a), blank(1), unreadable(2), unreadable(3), read(4, a)]
    match = match_stack(pages, {a: 7}.get)
    assert match.loans == [LoanPages(7, [0, 2, 3, 4], inferred=[2, 3])]
    assert match.blank == [1]
    assert match.unmatched == []


def test_an_unknown_code_vouches_for_no_unreadable_neighbour():
    x = "https://elsewhere.example.fr/v/X"
    match = match_stack([read(0, x), unreadable(1), read(2, x)], {}.get)
    assert match.loans == []
    assert match.unknown == [UnknownCode(x, [0, 2])]
    assert match.unmatched == [1]


def test_resolve_is_asked_once_per_distinct_code_and_pages_are_taken_in_scan_order():
    a, b = "https://ordipret.example.fr/v/A", "https://ordipret.example.fr/v/B"
    asked: list[str] = []

    def resolve(text: str) -> str:
        asked.append(text)
        return text[-1]

    match = match_stack([read(3, a), read(1, b), read(0, a), read(2, b)], resolve)
    assert sorted(asked) == [a, b]
    assert match.loans == [LoanPages("A", [0, 3]), LoanPages("B", [1, 2])]
