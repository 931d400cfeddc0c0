import pytest

from inventory.uai import normalise_uai, uai_problem


def test_a_real_uai_with_its_check_letter_is_valid():
    assert uai_problem("0750654D") is None


def test_a_lower_case_uai_with_spaces_is_normalised():
    assert normalise_uai(" 0750654d ") == "0750654D"


@pytest.mark.parametrize("wrong", ["0750654E", "0750654", "075065D4", "A750654D", "07506540D"])
def test_a_uai_with_a_wrong_shape_or_check_letter_is_refused(wrong):
    assert uai_problem(wrong) is not None


def test_the_refusal_names_the_expected_check_letter():
    assert "devrait être D" in uai_problem("0750654E")
