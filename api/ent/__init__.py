"""Signing in through a region's ENT: CAS 2/3 and OIDC connectors, the ENT's attributes
mapped to `loans.ent_identity.EntIdentity`, the session an identity opens, single logout.
The routes live with the other entrances (api/pages/ent_signin.py, ent_admin.py and
api/controllers/ent_connectors.py): this package imports no page nor controller."""
