LOGIN_PATH = "/connexion"
ROUTES: list = []
