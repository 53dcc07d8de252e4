"""The record of an output folder and its spare copy in the build cache (cartel.cache.TreeRecord)."""

from __future__ import annotations

from cartel.cache import Store, TreeRecord


def _manifest(n: int) -> dict:
    return {f"page-{i}/index.html": (bytes([n]) * 32, i, n) for i in range(3)}


def test_the_spare_holds_what_the_output_held_before_the_swap(tmp_path):
    store = Store(tmp_path, b"k" * 32)
    record = TreeRecord(store, "a" * 64)
    assert record.spare_manifest() is None
    record.swapped(_manifest(1))              # first build with a spare: the spare (the old output) is unknown
    assert record.spare_manifest() is None
    record.swapped(_manifest(2))
    assert record.spare_manifest() == _manifest(1)
    record.changing()                         # a build killed now leaves the spare unknown
    assert record.spare_manifest() is None
    record.swapped(_manifest(3))
    assert record.spare_manifest() == _manifest(2)
    assert len(store.names(TreeRecord.MANIFESTS)) == 2  # the output's and the spare's, no older one


def test_two_outputs_keep_their_own_manifests(tmp_path):
    store = Store(tmp_path, b"k" * 32)
    one, two = TreeRecord(store, "a" * 64), TreeRecord(store, "b" * 64)
    for n in range(3):
        one.swapped(_manifest(n))
        two.swapped(_manifest(10 + n))
    assert one.spare_manifest() == _manifest(1) and two.spare_manifest() == _manifest(11)
    assert len(store.names(TreeRecord.MANIFESTS)) == 4


def test_a_record_with_the_manifests_inside_it_is_read(tmp_path):
    """As cartel kept it before the manifests were kept apart: the first build after the upgrade reuses the spare."""
    store = Store(tmp_path, b"k" * 32)
    store.save(TreeRecord.KIND, "a" * 64, {"output": _manifest(1), "spare": _manifest(2)})
    record = TreeRecord(store, "a" * 64)
    assert record.spare_manifest() == _manifest(2)
    record.swapped(_manifest(3))
    assert record.spare_manifest() == _manifest(1)
