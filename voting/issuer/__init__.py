"""``python -m voting.issuer``: a trustee's credential-issuing daemon (docs/elections.md §3, §10).

Standard library, ``cryptography``, ``gmpy2``, ``voting.crypto`` and the Django-free
``voting.verify`` and ``voting.trustee`` modules: it runs on the trustee's own machine, holds the
trustee's issuer key (from the trustee key file) and never gives it to the server.
"""
