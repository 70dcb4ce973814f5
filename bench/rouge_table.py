"""The table the summary benchmarks print: mean scores per algorithm, and news's paired margin over its best rival."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence

import numpy as np

from digests.summarize import ALGORITHMS

SUMY = [a for a in ALGORITHMS if a not in ("news", "lead")]  # sumy's own algorithms


def rouge_table(
    scores: Mapping[tuple[str, Hashable], Sequence[tuple[float, ...]]],
    columns: Sequence[tuple[str, Hashable, int]],
) -> Iterator[str]:
    """Lines of the table: one row per algorithm, then the margin row.

    ``scores`` holds each article's scores by (algorithm, length); each column is (header, length, index into an
    article's scores). ``*`` marks the best mean of a column; the margin is news minus the best other algorithm of
    the column, over the same articles, ± its paired standard error; "vs sumy" the same against the best of sumy's
    algorithms (the lead left out), then against the lead and LexRank.
    """
    header = f"{'algorithm':<10}" + "".join(f"  {label:>12}" for label, _, _ in columns)
    yield header
    yield "-" * len(header)
    means = {key: np.mean(values, axis=0) for key, values in scores.items()}
    run = [a for a in ALGORITHMS if any(key[0] == a for key in means)]  # the algorithms scored, in table order
    for algorithm in run:
        cells = []
        for _, length, i in columns:
            value = means[algorithm, length][i]
            mark = "*" if value == max(means[a, length][i] for a in run) else " "
            cells.append(f"  {100 * value:>11.2f}{mark}")
        yield f"{algorithm:<10}" + "".join(cells)
    rows = (("margin", [a for a in run if a != "news"]), ("vs sumy", [a for a in SUMY if a in run]),
            ("vs lead", ["lead"]), ("vs lexrank", ["lexrank"]))  # fmt: skip
    for label, rivals in rows:
        if not set(rivals) <= set(run) or not rivals:
            continue
        cells = []
        for _, length, i in columns:
            rival = max(rivals, key=lambda a: means[a, length][i])
            difference = 100 * (np.array(scores["news", length])[:, i] - np.array(scores[rival, length])[:, i])
            error = difference.std(ddof=1) / np.sqrt(len(difference)) if len(difference) > 1 else float("nan")
            cells.append(f"  {difference.mean():>+6.2f}±{error:<5.2f}")
        yield f"{label:<10}" + "".join(cells)  # a label of 10 characters at most: "vs lexrank"
