"""The French texts of the emails the platform sends: plain text and its HTML alternative.

A reminder carries the minimum: the devices (category and tag), their due dates and how to
reach the school. No name, no class, no address: a mail that reaches the wrong inbox tells
nothing about the student.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from inventory.catalogue import CATEGORIES

REMINDER_SUBJECT = "Rappel : matériel prêté à rendre"


@dataclass(frozen=True, slots=True)
class Device:
    tag: str
    category: str  # a key of inventory.catalogue.CATEGORIES
    due_on: dt.date


@dataclass(frozen=True, slots=True)
class SchoolContact:
    name: str
    email: str
    phone: str


def date_fr(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _device_line(device: Device) -> str:
    what = CATEGORIES.get(device.category, "appareil")
    return f"{what[0].upper()}{what[1:]} n° {device.tag}, à rendre le {date_fr(device.due_on)}"


def _contact_line(contact: SchoolContact) -> str:
    ways = [way for way in (contact.email, contact.phone) if way]
    return contact.name + (f" : {', '.join(ways)}" if ways else "")


def _intro(count: int) -> str:
    if count == 1:
        return "L'appareil suivant, prêté pour la scolarité au lycée, devait être rendu :"
    return "Les appareils suivants, prêtés pour la scolarité au lycée, devaient être rendus :"


def _ask(count: int) -> str:
    it = "le rapporter" if count == 1 else "les rapporter"
    return (
        f"Merci de {it} au plus vite au référent numérique de l'établissement, ou de le "
        "contacter si vous ne pouvez pas le faire (perte, vol, départ de l'établissement)."
    )


FOOTER = (
    "Ce message est envoyé automatiquement par la plateforme de prêt de matériel numérique "
    "de la Région ; pour toute question, écrivez à l'établissement."
)


def reminder_text(devices: list[Device], contacts: list[SchoolContact]) -> str:
    lines = ["Bonjour,", "", _intro(len(devices)), ""]
    lines += [f"- {_device_line(device)}" for device in devices]
    lines += ["", _ask(len(devices)), ""]
    lines += ["Contact de l'établissement :"] + [f"  {_contact_line(c)}" for c in contacts]
    lines += [
        "",
        "Cordialement,",
        "Le référent numérique de l'établissement",
        "",
        "-- ",
        FOOTER,
        "",
    ]
    return "\n".join(lines)


def reminder_html(devices: list[Device], contacts: list[SchoolContact]) -> str:
    items = "".join(f"<li>{escape(_device_line(device))}</li>" for device in devices)
    schools = "".join(f"<li>{_contact_html(contact)}</li>" for contact in contacts)
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(REMINDER_SUBJECT)}</title></head><body>"
        f"<p>Bonjour,</p><p>{escape(_intro(len(devices)))}</p><ul>{items}</ul>"
        f"<p>{escape(_ask(len(devices)))}</p>"
        f"<p>Contact de l'établissement :</p><ul>{schools}</ul>"
        "<p>Cordialement,<br>Le référent numérique de l'établissement</p>"
        f"<hr><p><small>{escape(FOOTER)}</small></p></body></html>"
    )


def _contact_html(contact: SchoolContact) -> str:
    parts = [escape(contact.name)]
    if contact.email:
        parts.append(f'<a href="mailto:{escape(contact.email)}">{escape(contact.email)}</a>')
    if contact.phone:
        parts.append(escape(contact.phone))
    return parts[0] + (" : " + ", ".join(parts[1:]) if len(parts) > 1 else "")


# Signing links -------------------------------------------------------------------------------

SIGNING_SUBJECT = "Convention de prêt de matériel numérique à signer"


def signing_text(school: str, url: str, expires_on: dt.date) -> str:
    """The link to sign, and nothing about the student: the school's name says enough."""
    return "\n".join(
        [
            "Bonjour,",
            "",
            f"{school} vous invite à lire et signer la convention de prêt de matériel "
            "numérique de la Région.",
            "",
            f"Pour la lire et la signer, ouvrez ce lien (valable jusqu'au {date_fr(expires_on)}, "
            "une seule fois) :",
            url,
            "",
            "Si vous n'attendiez pas ce message, ignorez-le ou écrivez à l'établissement.",
            "",
            "-- ",
            FOOTER,
            "",
        ]
    )


def signing_html(school: str, url: str, expires_on: dt.date) -> str:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(SIGNING_SUBJECT)}</title></head><body><p>Bonjour,</p>"
        f"<p>{escape(school)} vous invite à lire et signer la convention de prêt de matériel "
        "numérique de la Région.</p>"
        f'<p><a href="{escape(url)}">Lire et signer la convention</a> (lien valable jusqu\'au '
        f"{date_fr(expires_on)}, une seule fois).</p>"
        "<p>Si vous n'attendiez pas ce message, ignorez-le ou écrivez à l'établissement.</p>"
        f"<hr><p><small>{escape(FOOTER)}</small></p></body></html>"
    )
