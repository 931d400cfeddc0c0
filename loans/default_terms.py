"""The terms a region starts from: the general conditions of the convention de prêt.

Written for lycéens and their families: short sentences, the rule first, the reason after
when it helps. A region edits them in its own words (same markup, see `loans.terms`); each
edit gets a new version number, printed on every convention signed under it.
The parties' names, the device, the dates and the cession rules are printed from the loan
itself, so these terms speak of « la Région », « l'établissement » and « l'élève ».
"""

from __future__ import annotations

from loans.terms import Block, parse_terms

DEFAULT_TERMS_VERSION = 1
# Days the family has to hand in the police or gendarmerie receipt after a theft.
THEFT_RECEIPT_DAYS = 5

DEFAULT_TERMS_TEXT = f"""\
# Article 1 — Objet

La présente convention fixe les conditions dans lesquelles la Région prête gratuitement à \
l’élève le matériel numérique décrit ci-dessus, pour son travail scolaire. Le matériel reste \
la propriété de la Région pendant toute la durée du prêt.

# Article 2 — Engagements de la Région

- Elle fournit un matériel en état de marche, avec ses logiciels et les accessoires indiqués.
- Elle prend en charge les réparations dues à l’usure normale ou à une panne.
- Elle protège les données personnelles de l’élève et de ses représentants légaux, comme le \
prévoit l’article 8.

# Article 3 — Engagements de l’établissement

- Il remet le matériel à l’élève, vérifie avec lui son état et note les accessoires remis.
- Il est l’interlocuteur de l’élève et de sa famille pour toute panne, perte, vol ou question.
- Il reprend le matériel à la fin du prêt et en constate l’état.

# Article 4 — Engagements de l’élève et de ses représentants légaux

- L’élève utilise le matériel lui-même, pour son travail scolaire et dans le respect de la loi \
et du règlement intérieur de l’établissement.
- Il ne prête pas, ne loue pas, ne vend pas et ne donne pas le matériel, même pour un temps.
- Il n’ouvre pas le matériel, ne le fait pas réparer ailleurs et ne retire ni l’étiquette ni \
le numéro d’inventaire.
- Il ne désactive pas les protections installées (antivirus, mises à jour, gestion à distance).
- Il apporte le matériel à l’établissement chaque fois que celui-ci le demande, notamment pour \
une mise à jour ou un inventaire.
- Lorsque l’élève est mineur, ses représentants légaux signent la convention avec lui et \
veillent à ce qu’il la respecte.

# Article 5 — Soin du matériel

- Transportez le matériel éteint, dans une housse ou un sac, sans le laisser dans un véhicule \
ni sans surveillance dans un lieu public.
- Tenez-le à l’écart des liquides, de la chaleur, de l’humidité et des chocs.
- Utilisez uniquement le chargeur fourni.
- Signalez sans attendre à l’établissement toute panne ou anomalie : une panne signalée tôt \
se répare mieux.

# Article 6 — Perte, vol et dommages

En cas de vol, l’élève ou ses représentants légaux déposent plainte auprès de la police ou \
de la gendarmerie et remettent à l’établissement le récépissé de dépôt de plainte dans les \
{THEFT_RECEIPT_DAYS} jours qui suivent le vol. Ils déclarent aussi le vol dans leur espace \
en ligne (ENT) ou auprès de l’établissement, le plus tôt possible : le matériel peut alors être \
bloqué à distance.

En cas de perte, ils la déclarent à l’établissement dans les mêmes délais, par écrit, en \
indiquant la date et les circonstances.

En cas de dommage, ils le signalent à l’établissement et lui rapportent le matériel. La \
Région fait réparer le matériel. Un dommage causé volontairement ou par une négligence \
manifeste, une perte ou un vol non déclaré dans les délais peuvent entraîner une demande de \
remboursement, dans la limite de la valeur du matériel au jour du sinistre ; la Région tient \
compte de la situation de la famille.

# Article 7 — Fin du prêt : restitution ou cession

Le prêt prend fin à la date et dans les conditions indiquées dans la convention, ou plus tôt \
si l’élève quitte l’établissement. L’élève rend alors le matériel et tous ses accessoires, en \
bon état, à l’établissement, qui lui remet un reçu.

Lorsque la Région le prévoit, le matériel peut être cédé à l’élève à la fin du prêt, aux \
conditions indiquées dans la convention. Il devient alors la propriété de l’élève ou de ses \
représentants légaux, et les articles 2 à 6 cessent de s’appliquer.

Avant de rendre le matériel, l’élève enregistre ailleurs les fichiers qu’il veut garder : le \
matériel est ensuite effacé entièrement.

# Article 8 — Protection des données personnelles

La Région est responsable du traitement des données nécessaires au prêt. Ce traitement \
relève de sa mission d’intérêt public en faveur des lycées (article 6, paragraphe 1, e, du \
règlement général sur la protection des données, RGPD).

- Données conservées : nom, prénom, date de naissance, classe et identifiant ENT de l’élève ; \
nom et qualité de ses représentants légaux ; matériel prêté, dates, état, déclarations de \
perte ou de vol, signatures de la convention.
- Pourquoi : gérer le prêt, suivre le matériel, le reprendre ou le céder, et établir des \
statistiques anonymes pour la Région.
- Qui y accède : les personnes habilitées de la Région et de l’établissement, et leurs \
prestataires, tenus à la confidentialité. Les données ne sont ni vendues ni utilisées à des \
fins commerciales.
- Combien de temps : pendant le prêt, puis un an après la restitution ou la cession ; les \
pièces utiles en cas de litige (convention, récépissé de plainte) sont gardées cinq ans, puis \
supprimées.
- Vos droits : accès, rectification, effacement, limitation et opposition, dans les \
conditions prévues par le RGPD.

Pour exercer ces droits ou pour toute question, écrivez au délégué à la protection des \
données (DPO) de la Région, dont les coordonnées figurent dans la notice ci-dessous. Si vous \
estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL.

# Article 9 — Durée et modification

La convention s’applique dès sa signature par toutes les parties et jusqu’à la fin du prêt. \
Toute modification fait l’objet d’une nouvelle convention, signée dans les mêmes conditions.
"""


def default_terms() -> list[Block]:
    """The default terms as blocks (a new list at each call: callers may edit it)."""
    return parse_terms(DEFAULT_TERMS_TEXT)
