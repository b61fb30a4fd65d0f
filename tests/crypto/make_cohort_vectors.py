"""Write tests/crypto/vectors/cohorts.json (docs/protocol.md §12): label and cohort-key
messages, and release plans of the K rules for small label sets.

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
        plans.append(
            {
                **case,
                "plan": [
                    {
                        "groups": [list(g) for g in r.groups] if r.groups else None,
                        "reason": r.reason,
                    }
                    for r in release_plan(cohorts, vectors_)
                ],
            }
        )
    return {"labels": labels, "cohort_keys": keys, "plans": plans}


if __name__ == "__main__":
    PATH.write_text(json.dumps(vectors(), indent=1, ensure_ascii=False) + "\n")
