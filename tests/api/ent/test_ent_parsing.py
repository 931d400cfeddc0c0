"""Reading what ENTs send: CAS answers, SDET profiles, single-logout requests."""

from __future__ import annotations

import datetime as dt

import pytest

from api.ent.attributes import parse_birth_date, sdet_identity
from api.ent.cas import EntUnavailable, TicketRefused, parse_response
from api.ent.single_logout import ticket_of

CAS = 'xmlns:cas="http://www.yale.edu/tp/cas"'


def test_a_teacher_who_is_also_a_parent_is_staff():
    identity = sdet_identity(
        "24",
        "cas",
        {"ENTPersonJointure": ["AC-X$42"], "ENTPersonProfils": ["National_TUT", "National_ENS"]},
    )
    assert (identity.key, identity.kind) == ("42", "staff")


def test_a_structure_id_that_is_not_a_uai_is_left_to_the_directory():
    identity = sdet_identity(
        "24",
        "cas",
        {
            "ENTPersonJointure": ["1"],
            "ENTPersonProfils": ["National_ELV"],
            "ENTPersonStructRattach": ["AC-X$1234", "0450001b"],
        },
    )
    assert identity.uais == ("0450001B",)


def test_birth_dates_are_read_in_both_formats_and_nonsense_is_unknown():
    assert parse_birth_date("14/03/2009") == dt.date(2009, 3, 14)
    assert parse_birth_date("2009-03-14") == dt.date(2009, 3, 14)
    assert parse_birth_date("31/02/2009") is None


def test_a_cas_failure_names_its_code():
    body = f'<cas:serviceResponse {CAS}><cas:authenticationFailure code="INVALID_SERVICE">x'
    body += "</cas:authenticationFailure></cas:serviceResponse>"
    with pytest.raises(TicketRefused) as refused:
        parse_response(body.encode())
    assert refused.value.code == "INVALID_SERVICE"


@pytest.mark.parametrize(
    "body",
    [
        b"<html>maintenance</html>",
        b"not xml at all",
        b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
        f"<cas:serviceResponse {CAS}><cas:authenticationSuccess/></cas:serviceResponse>".encode(),
    ],
)
def test_an_unreadable_cas_answer_means_the_ent_is_unavailable(body):
    with pytest.raises(EntUnavailable):
        parse_response(body)


def test_a_logout_request_gives_its_session_index():
    request = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="1">'
        "<samlp:SessionIndex> ST-123 </samlp:SessionIndex></samlp:LogoutRequest>"
    )
    assert ticket_of(request) == "ST-123"
    assert ticket_of(request.replace("LogoutRequest", "AuthnRequest")) is None
    assert ticket_of("x" * 20_000) is None
