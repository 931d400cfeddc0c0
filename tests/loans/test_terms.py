"""Loan terms as structured text: the markup a region manager types, its limits, and the
default French terms."""

from __future__ import annotations

import msgspec
import pytest

from inventory.errors import Invalid
from loans.default_terms import DEFAULT_TERMS_TEXT, THEFT_RECEIPT_DAYS, default_terms
from loans.terms import (
    MAX_BLOCKS,
    MAX_CHARS,
    Block,
    Heading,
    Items,
    Paragraph,
    check_blocks,
    format_terms,
    parse_terms,
)

TYPED = """\
# Article 1 — Objet

La Région prête le matériel
à l'élève.

- un ordinateur
- son chargeur,
  avec le câble
* une housse
• une souris
Texte après la liste, sans ligne vide.

# Article 2
Directement sous le titre.
"""


def test_the_markup_gives_headings_paragraphs_and_lists():
    assert parse_terms(TYPED) == [
        Heading("Article 1 — Objet"),
        Paragraph("La Région prête le matériel à l'élève."),
        Items(
            [
                "un ordinateur",
                "son chargeur, avec le câble",
                "une housse",
                "une souris Texte après la liste, sans ligne vide.",
            ]
        ),
        Heading("Article 2"),
        Paragraph("Directement sous le titre."),
    ]


def test_windows_line_endings_and_tabs_are_accepted():
    assert parse_terms("# Titre\r\n\r\nUn\tparagraphe\r\n") == [
        Heading("Titre"),
        Paragraph("Un paragraphe"),
    ]


TRICKY: list[Block] = [
    Heading("Article 1 — « Objet »"),
    Paragraph("- 5 % n'est pas une liste"),
    Paragraph("# pas un titre non plus"),
    Paragraph("\\ une barre oblique inverse en tête"),
    Paragraph("* ni ceci • ni cela"),
    Items(["- un tiret dans l'élément", "# un dièse", "\\ une barre"]),
    Paragraph("Deux  espaces  gardés, une œuvre, l’apostrophe."),
    Items(["seul"]),
    Items(["deux listes qui se suivent"]),
]


def test_format_then_parse_gives_back_the_same_blocks():
    check_blocks(TRICKY)
    assert parse_terms(format_terms(TRICKY)) == TRICKY


def test_the_default_terms_survive_a_round_trip_through_the_markup_and_json():
    blocks = default_terms()
    assert parse_terms(format_terms(blocks)) == blocks
    assert msgspec.json.decode(msgspec.json.encode(blocks), type=list[Block]) == blocks


def test_blocks_are_tagged_by_kind_in_json():
    encoded = msgspec.json.encode([Heading("T"), Paragraph("P"), Items(["a"])])
    assert encoded == (
        b'[{"kind":"heading","text":"T"},{"kind":"paragraph","text":"P"},'
        b'{"kind":"items","items":["a"]}]'
    )


def refusal(text: str) -> str:
    with pytest.raises(Invalid) as caught:
        parse_terms(text)
    assert list(caught.value.errors) == ["terms"]
    return caught.value.errors["terms"]


@pytest.mark.parametrize("text", ["", "   \n\n \t \n"])
def test_an_empty_text_is_refused(text):
    assert "vide" in refusal(text)


def test_a_control_character_is_refused_naming_its_line():
    message = refusal("# Titre\n\nUn texte\nau milieu\x07 du paragraphe\n")
    assert "caractère de contrôle" in message and "(ligne 4)" in message


def test_an_invisible_direction_override_is_refused_naming_its_line():
    assert "(ligne 2)" in refusal("Texte\nmontant \u202e123 €\n")


def test_an_empty_heading_or_item_is_refused_naming_its_line():
    assert "(ligne 3)" in refusal("Texte\n\n#\n")
    assert "(ligne 2)" in refusal("- un\n-\n- trois")


def test_a_text_longer_than_the_limit_is_refused():
    assert str(MAX_CHARS) in refusal("a" * (MAX_CHARS + 1))


def test_more_blocks_than_the_limit_are_refused_naming_the_line():
    text = "\n\n".join(f"Paragraphe {n}" for n in range(MAX_BLOCKS + 1))
    message = refusal(text)
    assert f"plus de {MAX_BLOCKS} blocs" in message
    assert f"(ligne {2 * MAX_BLOCKS + 1})" in message


def test_a_paragraph_longer_than_the_limit_is_refused_naming_its_first_line():
    assert "(ligne 3)" in refusal("# T\n\n" + "mot " * 600 + "\n" + "mot " * 600)


def check_refusal(blocks) -> str:
    with pytest.raises(Invalid) as caught:
        check_blocks(blocks)
    return caught.value.errors["terms"]


@pytest.mark.parametrize(
    "blocks",
    [
        [Paragraph("")],
        [Paragraph(" espace en tête")],
        [Paragraph("deux\nlignes")],
        [Items([])],
        [Items(["ok", "  "])],
        [Heading("# double dièse")],
        [Paragraph("e\u0301 non normalisé")],
    ],
)
def test_blocks_from_json_that_could_not_be_printed_or_typed_back_are_refused(blocks):
    assert "(bloc 1)" in check_refusal([Heading("Titre"), *blocks][1:])


def test_blocks_from_json_are_held_to_the_same_limits():
    assert "vide" in check_refusal([])
    assert "blocs" in check_refusal([Paragraph("p")] * (MAX_BLOCKS + 1))
    assert str(MAX_CHARS) in check_refusal([Paragraph("a" * 4000)] * 11)


def test_the_default_terms_are_valid_and_cover_every_required_topic():
    blocks = default_terms()
    check_blocks(blocks)
    text = format_terms(blocks).lower()
    headings = " ".join(b.text.lower() for b in blocks if isinstance(b, Heading))
    for party in ("engagements de la région", "de l’établissement", "de l’élève"):
        assert party in headings
    assert "représentants légaux" in headings
    for topic in (
        "soin du matériel",
        "perte, vol et dommages",
        "restitution ou cession",
        "protection des données",
    ):
        assert topic in headings, topic
    assert "récépissé de dépôt de plainte" in text
    assert f"dans les {THEFT_RECEIPT_DAYS} jours" in text
    for rgpd in ("données conservées", "pourquoi", "combien de temps", "vos droits", "cnil"):
        assert rgpd in text, rgpd
    assert "délégué à la protection des données (dpo) de la région" in text


def test_the_default_terms_text_is_plain_markup_without_html():
    assert "<" not in DEFAULT_TERMS_TEXT and ">" not in DEFAULT_TERMS_TEXT
