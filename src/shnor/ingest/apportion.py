"""Counts from shares: the one rule every reader uses to turn percentages back into whole participants."""

from __future__ import annotations

import numpy as np


def apportion(shares: np.ndarray, participants: np.ndarray, complete: bool,
              tolerance: float = 0.015) -> tuple[np.ndarray, np.ndarray]:
    """Whole counts from ``shares`` (rows × columns, fractions of each row's ``participants``) by the largest
    remainder, so that they add up exactly: to the participants where the shares are ``complete`` (marks «2»…«5»,
    scores 0…max: they add up to 1 ± ``tolerance`` and are scaled to exactly 1), or, with what the shares leave over
    as one more category, where they are not (below the minimum and score bands: the rest lies between).

    Returns the counts and which rows' shares made sense (``complete``: adding up to 1 ± tolerance; otherwise: to at
    most 1 + tolerance); the other rows get their counts rounded, for the caller to report or refuse."""
    shares = np.nan_to_num(np.asarray(shares, dtype=float), nan=0.0)
    participants = np.asarray(participants, dtype=float)
    total = shares.sum(axis=1)
    if complete:
        sane = np.abs(total - 1) <= tolerance
        shares = np.where(sane[:, None] & (total[:, None] > 0), shares / np.where(total > 0, total, 1)[:, None], shares)
        full = shares
    else:
        sane = total <= 1 + tolerance
        full = np.column_stack([shares, np.clip(1 - total, 0, None)])
    exact = full * participants[:, None]
    floors = np.floor(exact + 1e-9)
    deficit = np.round(participants - floors.sum(axis=1))
    order = np.argsort(-(exact - floors), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(order.shape[1]), order.shape), axis=1)
    counts = np.where(sane[:, None], floors + (ranks < deficit[:, None]), np.round(exact))
    return counts[:, : shares.shape[1]].astype(np.int64), sane
