"""Fingerprints under SYMMETRY (conformance/tla/symmetry.py), computed without building the
images, against the images built and hashed one by one (explore.permute, values.typed_hash)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.tla.explore import permute
from conformance.tla.symmetry import symmetric_fingerprint
from conformance.values import Fn, FSet, ModelValue, Tup, make_fn, typed_hash

A = [ModelValue(f"sym_a{i}") for i in range(3)]
B = [ModelValue(f"sym_b{i}") for i in range(2)]


def _group(*sets):
    """Every permutation of each set, together (identity left out), as model.symmetry is."""
    out = []
    for combo in itertools.product(*(itertools.permutations(s) for s in sets)):
        perm = {x: y for s, image in zip(sets, combo, strict=True)
                for x, y in zip(s, image, strict=True) if x is not y}
        if perm:
            out.append(perm)
    return out


PERMS = _group(A, B)

scalars = st.one_of(st.sampled_from(A + B + [ModelValue("sym_fixed")]),
                    st.integers(-2, 2), st.booleans(), st.sampled_from(["x", "y"]))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(Tup),
        st.frozensets(inner, max_size=3).map(FSet),
        st.dictionaries(inner, inner, min_size=1, max_size=3).map(make_fn),
        st.dictionaries(st.sampled_from(["f", "g"]), inner, min_size=1).map(Fn),
    ),
    max_leaves=12,
)
states = st.lists(values, min_size=1, max_size=4).map(tuple)


def _least_image_hash(s: tuple) -> int:
    return min([typed_hash(s)] + [typed_hash(tuple(permute(x, p) for x in s)) for p in PERMS])


@settings(max_examples=150, deadline=None)
@given(states)
def test_fingerprint_is_the_least_typed_hash_of_the_images(s):
    assert symmetric_fingerprint(PERMS)(s) == _least_image_hash(s)


@settings(max_examples=100, deadline=None)
@given(states, st.sampled_from(PERMS))
def test_every_state_of_an_orbit_has_one_fingerprint(s, perm):
    fp = symmetric_fingerprint(PERMS)  # one function for both: its caches are shared
    image = tuple(permute(x, perm) for x in s)
    assert fp(image) == fp(s)
    assert fp(s) == symmetric_fingerprint(PERMS)(image)


def test_booleans_and_integers_stay_apart_in_the_images():
    # Python equates [f |-> a0, g |-> FALSE] with [f |-> a0, g |-> 0]; TLA+ does not, and
    # neither may their orbits' fingerprints, nor what one remembers for the other
    fp = symmetric_fingerprint(PERMS)
    with_false = (Fn({"f": A[0], "g": False}), FSet([Tup([A[1], 0])]))
    with_zero = (Fn({"f": A[0], "g": 0}), FSet([Tup([A[1], False])]))
    assert fp(with_false) != fp(with_zero)
    assert fp(with_false) == _least_image_hash(with_false)
    assert fp(with_zero) == _least_image_hash(with_zero)


def test_a_state_no_permutation_changes_keeps_its_typed_hash():
    s = (Fn({"f": 1}), FSet(["x", ModelValue("sym_fixed")]), Tup([True, -1]))
    assert symmetric_fingerprint(PERMS)(s) == typed_hash(s)


def test_a_symmetry_that_reads_the_state_is_one_clear_error(tmp_path):
    # TLC: "In evaluation, the identifier x is either undefined or not an operator." at the
    # definition; the engine raised a TypeError loading the model
    from conformance.result import Outcome
    from conformance.tla import check_model

    (tmp_path / "SymInit.tla").write_text(
        "---- MODULE SymInit ----\nEXTENDS Naturals\nCONSTANT Proc\nVARIABLE x\n"
        "Init == x = 0\nNext == x < 2 /\\ x' = x + 1\nSpec == Init /\\ [][Next]_x\n====\n")
    (tmp_path / "SymInit.cfg").write_text(
        "CONSTANT Proc = {p1, p2}\nSPECIFICATION Spec\nSYMMETRY Init\n")
    r = check_model(tmp_path / "SymInit.tla", tmp_path / "SymInit.cfg")
    assert r.outcome is Outcome.EVALUATION_ERROR
    assert "symmetry Init reads the state" in r.message
    assert r.positions and r.positions[-1].line == 5
