"""The election protocol of docs/elections.md, independent of the server.

This package imports only ``voting.crypto`` and the standard library. The server uses the same
functions to check ballots, chain the board and compute results, and ``python -m voting.verify
RECORD`` uses them to re-check a published election record without trusting the server.
"""
