"""The trustee client: ``python -m voting.trustee``.

A trustee takes part in the key ceremony and later decrypts the tally from a terminal, with the
same key file as the browser's trustee page (format in docs/elections.md §6.1). The package
imports only ``voting.crypto``, the standard library and ``cryptography``: no Django, no
database, so a trustee can run it on a machine that holds nothing else of the platform.
"""
