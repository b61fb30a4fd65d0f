"""An observer's board monitor (``python -m voting.monitor``; docs/elections.md "Monitoring the
board").

The server holds the board key, so it could drop or reorder ballots and re-sign a new head; the
verifier alone accepts such a board. A monitor run by observers during the poll keeps every
signed head and entry it saw and proves each new head extends the last; monitors compare what
they saw to catch a server showing them different boards. Standard library, ``cryptography``,
``voting.crypto`` and ``voting.verify`` only: no Django, like the verifier.
"""
