"""A CAS 2.0 / 3.0 client: the login redirect and the validation of a service ticket.

Not python-cas, although it is the usual client: it is synchronous (`requests`, which would
block the event loop for the whole round trip to the ENT), and it flattens the attributes
into strings, dropping nested elements such as Open ENT NG's `userAttributes`. The response
is small and its shape fixed, so it is read here with defusedxml (no entity expansion nor
external entities: the ENT is a third party, its answer is untrusted input).

CAS 3.0 validates at `/p3/serviceValidate`; some ENTs have no `p3` (404), and CAS 2.0
servers never do: both fall back to `/serviceValidate`. Attributes are read from
`cas:attributes` (CAS 3), or, without it, from the elements directly under
`authenticationSuccess` (how CAS 2 servers such as Open ENT NG's extend the answer).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

CAS_NS = "{http://www.yale.edu/tp/cas}"
CAS2, CAS3 = "cas2", "cas3"
# Made once: building an SSL context per request costs more than the request on loopback.
_SSL = ssl.create_default_context()
# Servers that answered 404 at /p3/: asked at /serviceValidate directly from then on.
_WITHOUT_P3: set[str] = set()
_STRUCTURE = {"user", "attributes", "proxyGrantingTicket", "proxies"}


class EntUnavailable(Exception):
    """The ENT did not answer, answered too late, or answered something unreadable."""


class TicketRefused(Exception):
    """The CAS server refused the ticket (replayed, expired, issued for another service)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class CasSuccess:
    user: str
    # Each attribute by name: a list of values, each a string or (nested elements) a mapping.
    attributes: dict[str, list] = field(default_factory=dict)


def http_client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
        verify=_SSL,
        follow_redirects=False,
    )


def login_url(server_url: str, service: str) -> str:
    return f"{server_url.rstrip('/')}/login?{urlencode({'service': service})}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _value(element) -> str | Mapping:
    """A leaf's text, or the nested elements as a mapping (repeated names as lists)."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    nested: dict[str, object] = {}
    for child in children:
        name, value = _local(child.tag), _value(child)
        if name in nested:
            previous = nested[name]
            nested[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            nested[name] = value
    return nested


def parse_response(body: bytes) -> CasSuccess:
    """The `serviceResponse` document; TicketRefused on `authenticationFailure`."""
    try:
        root = ElementTree.fromstring(body, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise EntUnavailable("unreadable validation response") from None
    if root.tag != CAS_NS + "serviceResponse":
        raise EntUnavailable("not a CAS serviceResponse")
    failure = root.find(CAS_NS + "authenticationFailure")
    if failure is not None:
        raise TicketRefused((failure.get("code") or "UNKNOWN").strip().upper())
    success = root.find(CAS_NS + "authenticationSuccess")
    user = success.find(CAS_NS + "user") if success is not None else None
    if user is None or not (user.text or "").strip():
        raise EntUnavailable("no authenticationSuccess/user")
    attributes: dict[str, list] = {}
    holder = success.find(CAS_NS + "attributes")
    for element in holder if holder is not None else success:
        name = _local(element.tag)
        if holder is None and name in _STRUCTURE:
            continue
        if name == "attribute" and element.get("name"):  # <cas:attribute name= value=/>
            name, value = element.get("name"), element.get("value", "")
        else:
            value = _value(element)
        attributes.setdefault(name, []).append(value)
    return CasSuccess(user=user.text.strip(), attributes=attributes)


async def validate(
    client: httpx.AsyncClient, server_url: str, protocol: str, service: str, ticket: str
) -> CasSuccess:
    """Ask the CAS server whether `ticket` was issued for exactly `service`."""
    base = server_url.rstrip("/")
    params = {"service": service, "ticket": ticket}
    try:
        if protocol == CAS3 and base not in _WITHOUT_P3:
            response = await client.get(f"{base}/p3/serviceValidate", params=params)
            if response.status_code == 404:
                _WITHOUT_P3.add(base)
            else:
                return _read(response)
        return _read(await client.get(f"{base}/serviceValidate", params=params))
    except httpx.HTTPError as error:
        raise EntUnavailable(type(error).__name__) from None


def _read(response: httpx.Response) -> CasSuccess:
    if response.status_code != 200:
        raise EntUnavailable(f"HTTP {response.status_code}")
    return parse_response(response.content)
