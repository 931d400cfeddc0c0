"""The CAS server's users: each test persona's SDET attributes (synthetic, never real)."""

from cas_server.auth import AuthUser

PASSWORD = "mot-de-passe-ent"
USERS = {
    "eleve": {
        "ENTPersonJointure": "AC-ORLEANS-TOURS$1234567",
        "ENTPersonProfils": ["National_ELV"],
        "ENTPersonStructRattachRNE": "0450001G",
        "ENTEleveClasses": ["0450001G$2NDE3"],
        "sn": "Martin",
        "givenName": "Léa",
        "ENTPersonDateNaissance": "14/03/2009",
    },
    "parent": {
        "ENTPersonJointure": "AC-ORLEANS-TOURS$7654321",
        "ENTPersonProfils": ["National_TUT"],
        "sn": "Martin",
        "givenName": "Claire",
    },
    "prof": {
        "ENTPersonJointure": "AC-ORLEANS-TOURS$9000001",
        "ENTPersonProfils": ["National_ENS"],
        "ENTPersonStructRattachRNE": "0450001G",
        "sn": "Durand",
        "givenName": "Paul",
    },
    "prof2": {
        "ENTPersonJointure": "AC-ORLEANS-TOURS$9000002",
        "ENTPersonProfils": ["National_ENS"],
        "sn": "Petit",
        "givenName": "Anne",
    },
    "visiteur": {
        "ENTPersonJointure": "AC-ORLEANS-TOURS$5555555",
        "ENTPersonProfils": ["Invite_XYZ"],
        "sn": "Dupont",
        "givenName": "Jean",
    },
}


class SdetUser(AuthUser):
    def test_password(self, password):
        return self.username in USERS and password == PASSWORD

    def attributs(self):
        return USERS.get(self.username, {})
