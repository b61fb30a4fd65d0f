"""Voting: elections, anonymous credentials, encrypted ballots, the bulletin board and the tally."""
