"""A real CAS server (django-cas-server) on loopback, for the ENT tests and the sign-in
benchmark: its Django site (`django_site`) and the process that runs it (`process`)."""
