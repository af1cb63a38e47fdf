"""The input files' checksums in result.json: computed beside the criteria on a thread of their own, or in place
on one core, the same either way."""

from __future__ import annotations

import pytest


def test_checksums_on_a_thread_are_those_computed_in_place(tmp_path, monkeypatch):
    """The input files' SHA-256 computed beside the criteria (two cores) are those computed where asked (one core);
    a file gone since it was read is raised where its checksum is asked for, as it was before."""
    from shnor import cores
    from shnor.report import build

    files = []
    for name, size in (("a.csv", 3 << 20), ("b.csv", 10), ("scales.csv", 0)):
        files.append(tmp_path / name)
        files[-1].write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    request = build.IdentifyRequest(inputs=files[:2], scales=files[2])
    monkeypatch.setattr(cores, "usable", lambda: 2)
    beside = build._checksums(request)
    assert beside is not build._sha256
    assert [beside(path) for path in files] == [build._sha256(path) for path in files]
    assert beside(str(files[0])) == build._sha256(files[0])  # looked up by path, however it is given
    files[1].unlink()
    gone = build._checksums(request)
    with pytest.raises(FileNotFoundError):
        gone(files[0])
    monkeypatch.setattr(cores, "usable", lambda: 1)
    assert build._checksums(request) is build._sha256
