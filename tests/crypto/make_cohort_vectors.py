"""Write tests/crypto/vectors/cohorts.json (docs/protocol.md §12): label and cohort-key
messages, the merges of rules 1 and 2 for small rolls, and release plans of rule 3 for small
label sets.

``python -m tests.crypto.make_cohort_vectors``"""

from __future__ import annotations

import json
from pathlib import Path

from voting.verify.cohorts import (
    Cohorts,
    Dimension,
    cohort_key_message,
    label_message,
    release_plan,
    roll_merges,
)

PATH = Path(__file__).parent / "vectors" / "cohorts.json"

PLANS = [
    {"minimum": 10, "values": [2], "cells": [[[1], 60], [[2], 3], [[0], 40]]},
    {"minimum": 10, "values": [2], "cells": [[[1], 30], [[2], 20], [[0], 4]]},
    {"minimum": 10, "values": [2], "cells": [[[1], 5], [[2], 5], [[0], 5]]},
    {
        "minimum": 10,
        "values": [2, 2],
        "cells": [[[1, 1], 40], [[1, 2], 30], [[2, 1], 2], [[2, 2], 40]],
    },
    {
        "minimum": 10,
        "values": [2, 2],
        "cells": [[[1, 1], 20], [[1, 2], 20], [[2, 1], 20], [[2, 2], 20]],
    },
    {
        "minimum": 4,
        "values": [2, 2, 4],
        "cells": [[[1, 1, 1], 9], [[2, 2, 2], 9], [[1, 0, 3], 3], [[0, 0, 0], 6]],
    },
    # Two short values of equal size: the lower one is merged first.
    {"minimum": 10, "values": [3], "cells": [[[1], 5], [[2], 5], [[3], 30], [[0], 20]]},
    # Not stated short, no stated value short: the smallest stated value is merged into it.
    {"minimum": 10, "values": [3], "cells": [[[1], 12], [[2], 11], [[3], 40], [[0], 3]]},
    # An empty value is the smallest; merging it leaves not stated short, then nothing is left.
    {"minimum": 10, "values": [2], "cells": [[[1], 12], [[0], 5]]},
    # Merges in both dimensions, and every crossed cell of the merged groups is large enough.
    {
        "minimum": 5,
        "values": [2, 2],
        "cells": [[[1, 1], 10], [[1, 2], 10], [[2, 1], 6], [[2, 2], 6], [[0, 0], 4]],
    },
    # A value of the merge map (rules 1, 2) starts in not stated's group, never a group of its own.
    {"minimum": 10, "values": [3], "merged": [[1, 3]], "cells": [[[1], 30], [[2], 20], [[0], 12]]},
    # Merged values in two dimensions; not stated with its merged value is still short, so the
    # smallest stated value joins it.
    {
        "minimum": 5,
        "values": [3, 2],
        "merged": [[1, 2], [2, 2]],
        "cells": [[[1, 1], 12], [[3, 1], 9], [[0, 0], 2], [[1, 0], 1]],
    },
]

# Rules 1 and 2 (protocol §12.5): stated values' counts on the roll (or in the issued labels) and
# the dimension's whole (roll entries, or issued credentials); ``merged`` is what they give.
ROLLS = [
    # Only the short value: not stated (whole less the kept values) is 0 or ≥ K.
    {"minimum": 5, "values": [4], "counts": [13, 13, 13, 1], "total": 44},
    # The review's roll: merging the 1 alone leaves not stated at 1, that person; value 1 goes too.
    {"minimum": 5, "values": [4], "counts": [13, 13, 13, 1], "total": 40},
    # Not stated exactly 0: nothing more is merged.
    {"minimum": 5, "values": [3], "counts": [20, 20, 0], "total": 40},
    # The short value merged, not stated holds 1 + 3 = 4 < K: the smallest kept value (11) joins.
    {"minimum": 10, "values": [3], "counts": [12, 3, 11], "total": 27},
    # Every stated value goes: the dimension keeps only not stated.
    {"minimum": 10, "values": [2], "counts": [9, 10], "total": 19},
]


def vectors() -> dict:
    labels = []
    for fp_byte, key_byte, d, v in ((1, 2, 2, 3), (0, 255, 1, 1), (170, 85, 3, 8)):
        fp, key = bytes([fp_byte]) * 32, bytes([key_byte]) * 32
        labels.append(
            {
                "fingerprint": fp.hex(),
                "credential_key": key.hex(),
                "dimension": d,
                "value": v,
                "message": label_message(fp, key, d, v).hex(),
            }
        )
    cc = bytes(range(32))
    keys = [
        {"ceremony_context": cc.hex(), "trustee": 2, "dimension": 1, "value": 3,
         "message": cohort_key_message(cc, 2, 1, 3).hex()}
    ]  # fmt: skip
    plans = []
    for case in PLANS:
        cohorts = Cohorts(
            case["minimum"],
            tuple(Dimension(d, "attested", m) for d, m in enumerate(case["values"], start=1)),
        )
        vectors_ = [tuple(cell) for cell, n in case["cells"] for _ in range(n)]
        merged = [tuple(m) for m in case.get("merged", [])]
        plans.append(
            {
                **case,
                "plan": [
                    {
                        "groups": [list(g) for g in r.groups] if r.groups else None,
                        "reason": r.reason,
                    }
                    for r in release_plan(cohorts, vectors_, merged)
                ],
            }
        )
    rolls = []
    for case in ROLLS:
        (m,) = case["values"]
        cohorts = Cohorts(case["minimum"], (Dimension(1, "attested", m),))
        counts = {(1, v): n for v, n in enumerate(case["counts"], start=1)}
        merged = roll_merges(cohorts, counts, {1: case["total"]})
        rolls.append({**case, "merged": sorted(v for _, v in merged)})
    return {"labels": labels, "cohort_keys": keys, "rolls": rolls, "plans": plans}


if __name__ == "__main__":
    PATH.write_text(json.dumps(vectors(), indent=1, ensure_ascii=False) + "\n")
