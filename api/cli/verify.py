"""`ordipret verify`: check the seal of a signed loan agreement (PDF).

ordipret verify convention-2026-0042.pdf
ordipret verify --trust ancien-sceau.pem convention-2019-0007.pdf

Prints one French sentence. Exit code: 0 when the document is sealed, intact and by a
trusted certificate; 1 when it was altered, is not sealed, or its sealer is not trusted;
2 when the file cannot be read as a PDF.

Trusted by default: the configured seal (ORDIPRET_SEAL_P12), or the demonstration seal of this
installation. `--trust` adds certificates (PEM or DER), e.g. the region's previous seal after
a renewal.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from api.settings import Settings

UNREADABLE = 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="vérifier le sceau d'une convention (PDF)",
        description=(
            "Vérifie qu'un PDF est scellé par le certificat de la région et qu'il n'a pas été "
            "modifié depuis. Code de sortie : 0 intact et scellé par un certificat de "
            "confiance, 1 modifié, non scellé ou certificat inconnu, 2 fichier illisible."
        ),
    )
    parser.add_argument("file", metavar="FICHIER.pdf", type=Path)
    parser.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="CERTIFICAT",
        type=Path,
        help="certificat de confiance supplémentaire (PEM ou DER), répétable",
    )
    parser.set_defaults(run=cmd_verify)


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    import logging

    from api.cli.console import console
    from api.infra.seal import trusted_certificates
    from loans.sealing import verify

    # pyHanko logs every failed check with a traceback; the sentence below says it all.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).addHandler(logging.NullHandler())
        logging.getLogger(name).propagate = False
    try:
        pdf = args.file.read_bytes()
    except FileNotFoundError:
        console.print(f"[red]Fichier introuvable : {args.file}.[/red]")
        return UNREADABLE
    except OSError:
        console.print(f"[red]Fichier illisible : {args.file}.[/red]")
        return UNREADABLE
    trusted = trusted_certificates(settings)
    for path in args.trust:
        loaded = _certificates(path)
        if loaded is None:
            console.print(f"[red]Certificat illisible : {path}.[/red]")
            return UNREADABLE
        trusted.extend(loaded)
    verification = verify(pdf, trusted)
    colour = "green" if verification.verified else "red"
    console.print(f"[{colour}]{verification.summary}[/{colour}]", highlight=False)
    if verification.status == "unreadable":
        return UNREADABLE
    return 0 if verification.verified else 1


def _certificates(path: Path):
    from cryptography import x509

    try:
        data = path.read_bytes()
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except (OSError, ValueError):
        return None
