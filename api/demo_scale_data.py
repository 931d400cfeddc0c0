"""Reference data for the scale demo (`api.demo_scale`): the 13 regions of metropolitan
France with their INSEE codes, a few départements and towns each, lycée names, device models
and French first and last names. Invented people, real places."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class Scale(NamedTuple):
    regions: int  # how many of REGIONS, in order
    establishments: int  # per region
    students: int  # per region, leavers of the three years included
    devices: int  # per region


SCALES = {
    "region": Scale(1, 150, 200_000, 200_000),
    # 13 regions, 2 million devices in all.
    "national": Scale(13, 115, 153_846, 153_846),
    # For the tests: small enough to build in a few seconds on either engine.
    "tiny": Scale(1, 3, 900, 900),
}

# (INSEE code, name, académie mail domain, ((département, (towns…)), …))
REGIONS = (
    ("24", "Centre-Val de Loire", "ac-orleans-tours.fr",
     (("045", ("Orléans", "Montargis", "Pithiviers")), ("037", ("Tours", "Amboise", "Chinon")),
      ("018", ("Bourges", "Vierzon")), ("028", ("Chartres", "Dreux")),
      ("041", ("Blois", "Vendôme")), ("036", ("Châteauroux", "Issoudun")))),
    ("11", "Île-de-France", "ac-paris.fr",
     (("075", ("Paris",)), ("092", ("Nanterre", "Boulogne-Billancourt", "Colombes")),
      ("093", ("Saint-Denis", "Montreuil", "Bobigny")), ("094", ("Créteil", "Vitry-sur-Seine")),
      ("078", ("Versailles", "Poissy")), ("091", ("Évry-Courcouronnes", "Massy")))),
    ("27", "Bourgogne-Franche-Comté", "ac-dijon.fr",
     (("021", ("Dijon", "Beaune")), ("025", ("Besançon", "Montbéliard")),
      ("071", ("Chalon-sur-Saône", "Mâcon")), ("089", ("Auxerre", "Sens")))),
    ("28", "Normandie", "ac-normandie.fr",
     (("014", ("Caen", "Lisieux")), ("076", ("Rouen", "Le Havre", "Dieppe")),
      ("050", ("Cherbourg-en-Cotentin", "Saint-Lô")), ("027", ("Évreux", "Vernon")))),
    ("32", "Hauts-de-France", "ac-lille.fr",
     (("059", ("Lille", "Roubaix", "Dunkerque", "Valenciennes")), ("062", ("Arras", "Calais")),
      ("080", ("Amiens", "Abbeville")), ("002", ("Laon", "Saint-Quentin")),
      ("060", ("Beauvais", "Compiègne")))),
    ("44", "Grand Est", "ac-strasbourg.fr",
     (("067", ("Strasbourg", "Haguenau")), ("068", ("Mulhouse", "Colmar")),
      ("057", ("Metz", "Thionville")), ("054", ("Nancy", "Lunéville")),
      ("051", ("Reims", "Châlons-en-Champagne")))),
    ("52", "Pays de la Loire", "ac-nantes.fr",
     (("044", ("Nantes", "Saint-Nazaire")), ("049", ("Angers", "Cholet")),
      ("072", ("Le Mans", "La Flèche")), ("085", ("La Roche-sur-Yon", "Les Sables-d'Olonne")))),
    ("53", "Bretagne", "ac-rennes.fr",
     (("035", ("Rennes", "Saint-Malo")), ("029", ("Brest", "Quimper")),
      ("056", ("Vannes", "Lorient")), ("022", ("Saint-Brieuc", "Lannion")))),
    ("75", "Nouvelle-Aquitaine", "ac-bordeaux.fr",
     (("033", ("Bordeaux", "Mérignac", "Libourne")), ("087", ("Limoges",)),
      ("086", ("Poitiers", "Châtellerault")), ("064", ("Pau", "Bayonne")),
      ("017", ("La Rochelle", "Saintes")))),
    ("76", "Occitanie", "ac-toulouse.fr",
     (("031", ("Toulouse", "Muret")), ("034", ("Montpellier", "Béziers", "Sète")),
      ("030", ("Nîmes", "Alès")), ("066", ("Perpignan",)), ("081", ("Albi", "Castres")))),
    ("84", "Auvergne-Rhône-Alpes", "ac-lyon.fr",
     (("069", ("Lyon", "Villeurbanne", "Vénissieux")), ("038", ("Grenoble", "Vienne")),
      ("063", ("Clermont-Ferrand", "Riom")), ("042", ("Saint-Étienne", "Roanne")),
      ("074", ("Annecy", "Annemasse")))),
    ("93", "Provence-Alpes-Côte d'Azur", "ac-aix-marseille.fr",
     (("013", ("Marseille", "Aix-en-Provence", "Arles")), ("006", ("Nice", "Cannes", "Antibes")),
      ("083", ("Toulon", "Fréjus")), ("084", ("Avignon", "Carpentras")))),
    ("94", "Corse", "ac-corse.fr",
     (("620", ("Ajaccio", "Porto-Vecchio")), ("720", ("Bastia", "Corte")))),
)  # fmt: skip

# Namesakes of French lycées; with the town, the pair is rarely repeated in a region.
LYCEE_NAMES = (
    "Victor Hugo", "Jean Jaurès", "Jules Ferry", "Marie Curie", "Louis Pasteur", "Descartes",
    "Voltaire", "Jean Moulin", "Albert Camus", "Simone Veil", "George Sand", "Condorcet",
    "Jean Monnet", "Gustave Eiffel", "Paul Langevin", "Émile Zola", "Camille Claudel",
    "Jacques Prévert", "Pierre Mendès France", "Jules Verne", "Blaise Pascal", "Montesquieu",
    "Lavoisier", "Colette", "Marguerite Yourcenar", "Antoine de Saint-Exupéry", "Guy de Maupassant",
    "Alexandre Dumas", "Rosa Parks", "Olympe de Gouges", "Charles de Gaulle", "Henri Matisse",
    "Claude Monet", "Arthur Rimbaud", "Paul Éluard", "Jean Rostand", "Louise Michel",
    "Lucie Aubrac", "Germaine Tillion", "Frédéric Mistral", "François Rabelais", "Molière",
    "Racine", "La Fontaine", "Jean de La Bruyère", "Honoré de Balzac", "Gay-Lussac",
    "Ampère", "Joliot-Curie", "Marcel Pagnol", "Édouard Branly", "Paul Valéry",
)  # fmt: skip
LYCEE_KINDS = ("Lycée", "Lycée", "Lycée", "Lycée polyvalent", "Lycée professionnel")

FIRST_NAMES = (
    "Léa", "Emma", "Chloé", "Manon", "Camille", "Inès", "Jade", "Louise", "Sarah", "Lina",
    "Zoé", "Clara", "Juliette", "Anaïs", "Lucie", "Maëlys", "Ambre", "Alice", "Rose", "Yasmine",
    "Hugo", "Lucas", "Nathan", "Enzo", "Louis", "Théo", "Tom", "Mathis", "Ethan", "Noah",
    "Gabriel", "Adam", "Raphaël", "Jules", "Léo", "Maxime", "Rayan", "Sacha", "Nolan", "Ibrahim",
)  # fmt: skip
ADULT_FIRST_NAMES = (
    "Nathalie", "Isabelle", "Sandrine", "Céline", "Stéphanie", "Sophie", "Karine", "Fatima",
    "Laurent", "Stéphane", "Christophe", "Sébastien", "Frédéric", "Karim", "David", "Olivier",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefebvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Benali", "Nguyen",
    "Diallo", "Traoré", "Da Silva", "Ferreira", "Haddad", "Lopez", "Kaya", "Le Gall",
)  # fmt: skip

# (manufacturer, name, category, accessories, first year bought, price band of its warranty)
MODELS = (
    ("Lenovo", "ThinkPad E14 Gen 4", "laptop", ("chargeur", "housse"), 2022, 3),
    ("Lenovo", "ThinkPad E14 Gen 5", "laptop", ("chargeur", "housse"), 2023, 3),
    ("HP", "ProBook 440 G9", "laptop", ("chargeur", "sacoche"), 2022, 3),
    ("HP", "ProBook 440 G10", "laptop", ("chargeur", "sacoche"), 2024, 4),
    ("Dell", "Latitude 3540", "laptop", ("chargeur", "sacoche"), 2024, 3),
    ("Acer", "TravelMate P2", "laptop", ("chargeur",), 2025, 2),
    ("Samsung", "Galaxy Tab A9+", "tablet", ("chargeur", "coque", "stylet"), 2024, 2),
    ("Apple", "iPad 10e génération", "tablet", ("chargeur", "coque"), 2023, 2),
    ("Huawei", "E5576 4G", "hotspot", ("câble USB",), 2022, 2),
    ("TP-Link", "M7350", "hotspot", ("câble USB",), 2024, 2),
)
# Share of a school's devices in each category; what each student is lent in a school year.
CATEGORY_SHARE = {"laptop": 0.6, "tablet": 0.22, "hotspot": 0.18}
LENT_SHARE = {"laptop": 0.97, "tablet": 0.4, "hotspot": 0.35}

LEVELS = ("2NDE", "1RE", "TLE")
HEADS_TITLES = ("Mme", "M.")


def school_year_of(day: dt.date) -> int:
    """The year a school year starts in: September 2026 to August 2027 is 2026."""
    return day.year if day.month >= 9 else day.year - 1
