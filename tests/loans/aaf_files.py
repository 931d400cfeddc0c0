"""Synthetic AAF files (`ficAlimMENESR`) for the directory import tests: invented people only.

`aaf(structure(…), student(…), relative(…))` is the bytes of a file; each entry builder takes
the request kind (`add`, `modify`, `delete`) and only the attributes the test cares about.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

DOCTYPE = '<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">'
REQUESTS = {"add": "addRequest", "modify": "modifyRequest", "delete": "deleteRequest"}


def _attr(name: str, *values: str) -> str:
    inner = "".join(f"<value>{escape(v)}</value>" for v in values)
    return f"<attr name={quoteattr(name)}>{inner}</attr>"


def entry(category: str, identifier: str, attributes: dict, op: str = "add") -> str:
    tag = REQUESTS[op]
    attrs = "".join(
        _attr(name, *(value if isinstance(value, list | tuple) else [value]))
        for name, value in attributes.items()
        if value is not None
    )
    return (
        f"<{tag}><operationalAttributes>{_attr('categoriePersonne', category)}"
        f"</operationalAttributes><identifier><id>{escape(identifier)}</id></identifier>"
        f"<attributes>{attrs}</attributes></{tag}>"
    )


def structure(structure_id: str, uai: str, op: str = "add") -> str:
    attributes = {"ENTStructureJointure": structure_id, "ENTStructureUAI": uai}
    return entry("EtabEducNat", structure_id, attributes, op)


def student(
    key: str,
    *,
    op: str = "add",
    structure_id: str | None = "S1",
    last_name: str | None = "Durand",
    first_name: str | None = "Léa",
    birth: str | None = "14/03/2010",
    ine: str | None = None,
    classes: str | None = "2NDE3",
    relatives: list[str] | None = None,
    source: str = "AC-ORLEANS-TOURS$",
) -> str:
    """A student entry; `relatives` are full `ENTElevePersRelEleve` values."""
    attributes = {
        "ENTPersonJointure": source + key,
        "sn": last_name,
        "givenName": first_name,
        "ENTPersonDateNaissance": birth,
        "ENTEleveINE": ine,
        "ENTPersonStructRattach": structure_id,
        "ENTEleveClasses": f"{structure_id}${classes}" if classes is not None else None,
        "ENTElevePersRelEleve": relatives,
    }
    if op != "add":  # a modifyRequest carries the key and what changes
        attributes = {k: v for k, v in attributes.items() if k == "ENTPersonJointure" or v}
    return entry("Eleve", key, attributes, op)


def link(relative_key: str, *, legal: bool = True) -> str:
    """id$type_relation$resp_financier$resp_legal$contact$paiement"""
    return f"{relative_key}$1$0${'1' if legal else '0'}$1$0"


def relative(
    key: str,
    *,
    op: str = "add",
    last_name: str | None = "Durand",
    first_name: str | None = "Claire",
    mail: str | None = "claire.durand@example.fr",
    mobile: str | None = "06 12 34 56 78",
) -> str:
    attributes = {
        "ENTPersonJointure": f"AC-ORLEANS-TOURS${key}",
        "sn": last_name,
        "givenName": first_name,
        "mail": mail,
        "mobile": mobile,
    }
    return entry("PersRelEleve", key, attributes, op)


def staff(key: str) -> str:
    return entry("PersEducNat", key, {"sn": "Prof", "givenName": "Alex"})


def aaf(*entries: str, doctype: bool = True) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' + (DOCTYPE + "\n" if doctype else "")
    return (head + "<ficAlimMENESR>\n" + "\n".join(entries) + "\n</ficAlimMENESR>\n").encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE ficAlimMENESR [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<ficAlimMENESR><addRequest><operationalAttributes><attr name="categoriePersonne">
<value>Eleve</value></attr></operationalAttributes><identifier><id>1</id></identifier>
<attributes><attr name="sn"><value>&lol3;</value></attr></attributes></addRequest>
</ficAlimMENESR>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE ficAlimMENESR [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<ficAlimMENESR><addRequest><operationalAttributes><attr name="categoriePersonne">
<value>Eleve</value></attr></operationalAttributes><identifier><id>1</id></identifier>
<attributes><attr name="sn"><value>&secret;</value></attr></attributes></addRequest>
</ficAlimMENESR>
"""
