"""matcalc.evaluate against direct NumPy computations on random data."""

from __future__ import annotations

import math
import typing
import warnings
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg
import sympy as sp
from numpy.testing import assert_allclose

import matcalc as mc
from matcalc import axes, gamma, kronecker
from matcalc import build as b
from matcalc import expr as ex
from matcalc.dims import Dim
from matcalc.evaluate import _RULES
from matcalc.index import Delta, Factor, Idx, IndexExpr, Term, verify
from matcalc.ops import ELEMENTWISE
from matcalc.ops.matrix import NODE_TYPES
from matcalc.ops.primary import matfun
from matcalc.ops.spectral import spectral_op

rng = np.random.default_rng(20240611)


def normal(*shape: int) -> np.ndarray:
    return rng.normal(size=shape)


def spd(n: int) -> np.ndarray:
    """A well-conditioned symmetric positive definite matrix."""
    m = normal(n, n)
    return m @ m.T + n * np.eye(n)


x, y, z = (b.symbol(n, "vector") for n in "xyz")
A, B, C, X = (b.symbol(n, "matrix") for n in "ABCX")
S = b.symbol("S", "symmetric")
a, c = b.symbol("a", "scalar"), b.symbol("c", "scalar")

xv, yv, zv = normal(4), normal(4), normal(3)
Av, Bv, Cv = normal(3, 4), normal(4, 5), normal(5, 2)
Xv = spd(4) + normal(4, 4)  # square, comfortably invertible
Sv = spd(4)
av = 1.7
VALUES = {"x": xv, "y": yv, "z": zv, "A": Av, "B": Bv, "C": Cv, "X": Xv, "S": Sv, "a": av}


def ev(e: ex.Expr) -> np.ndarray | float:
    return mc.evaluate(e, VALUES)


# ---- products and orientation ------------------------------------------------------------------


def test_quadratic_form() -> None:
    f = b.matmul(b.matmul(b.transpose(x), X), x)
    result = ev(f)
    assert isinstance(result, float)
    assert_allclose(result, xv @ Xv @ xv)


def test_outer_product() -> None:
    result = ev(b.matmul(x, b.transpose(y)))
    assert_allclose(result, np.outer(xv, yv))


def test_inner_product() -> None:
    assert_allclose(ev(b.matmul(b.transpose(x), y)), xv @ yv)


def test_row_vector_times_matrix() -> None:
    f = b.matmul(b.transpose(z), A)  # z' * A: a row vector
    assert f.row
    result = ev(f)
    assert isinstance(result, np.ndarray) and result.shape == (4,)
    assert_allclose(result, zv @ Av)


def test_matrix_times_column_vector() -> None:
    assert_allclose(ev(b.matmul(A, x)), Av @ xv)


def test_chain_of_matrices() -> None:
    f = b.matmul(b.matmul(A, B), C)
    assert isinstance(f, ex.MatMul) and len(f.factors) == 3
    assert_allclose(ev(f), Av @ Bv @ Cv)


def test_inner_product_in_the_middle_of_a_chain() -> None:
    f = b.matmul(b.transpose(x), b.matmul(y, b.transpose(z)))  # x'*(y*z') = (x'y) z'
    assert isinstance(f, ex.Scale) and f.row  # the scalar x'*y is split off the chain
    assert_allclose(ev(f), (xv @ yv) * zv)


def test_outer_product_times_vector() -> None:
    f = b.matmul(b.matmul(x, b.transpose(y)), y)  # x*y'*y = x (y'y)
    assert_allclose(ev(f), xv * (yv @ yv))


def test_matrix_transpose_and_vector_transpose() -> None:
    assert_allclose(ev(b.transpose(A)), Av.T)
    assert_allclose(ev(b.transpose(x)), xv)
    assert_allclose(ev(b.matmul(b.transpose(A), z)), Av.T @ zv)


# ---- sums, scaling, broadcasting ------------------------------------------------------------------


def test_add_sub_neg() -> None:
    assert_allclose(ev(b.sub(b.add(x, y), b.neg(x))), 2 * xv + yv)
    assert_allclose(ev(b.add(b.matmul(A, x), b.matmul(A, y))), Av @ (xv + yv))


def test_scale_by_symbol_and_number() -> None:
    assert_allclose(ev(b.mul(a, A)), av * Av)
    assert_allclose(ev(b.mul(b.number(2.5), b.mul(a, x))), 2.5 * av * xv)
    assert_allclose(ev(b.div(A, a)), Av / av)


def test_scalar_arithmetic() -> None:
    f = b.sub(b.mul(a, c), b.div(a, c))
    result = mc.evaluate(f, {"a": 3, "c": 2})
    assert isinstance(result, float)
    assert result == 3 * 2 - 3 / 2


def test_broadcast_scalar_plus_exp() -> None:
    assert_allclose(ev(b.add(b.number(1), b.apply("exp", x))), 1 + np.exp(xv))
    assert_allclose(ev(b.sub(a, A)), av - Av)


def test_eye_inferred_from_context() -> None:
    assert_allclose(ev(b.add(X, b.eye())), Xv + np.eye(4))
    f = b.matmul(b.add(b.mul(a, b.eye()), b.matmul(b.transpose(A), A)), x)  # (a*eye + A'A) x
    assert_allclose(ev(f), (av * np.eye(4) + Av.T @ Av) @ xv)


def test_fill_inferred_from_context() -> None:
    assert_allclose(ev(b.add(A, b.fill(b.number(2), 2))), Av + 2)
    assert_allclose(ev(b.hadamard(b.fill(a, 1), x)), av * xv)
    assert_allclose(ev(b.matmul(A, b.fill(b.number(1), 1))), Av.sum(axis=1))  # A * vector(1)


def test_matpow_zero_is_identity_in_context() -> None:
    assert_allclose(ev(b.add(b.matpow(X, 0), X)), np.eye(4) + Xv)


def test_zero_and_ones_of_any_order() -> None:
    coef = b.mul(b.sum_entries(A), b.sum_entries(x))
    dims = {s.name: s.shape for s in coef.symbols}
    shape3 = (dims["A"][0], dims["A"][1], dims["x"][0])
    ones3 = ex.Scale(coef, ex.Ones(shape=shape3), shape=shape3)
    zero3 = ex.Scale(coef, ex.Zero(shape=shape3), shape=shape3)
    assert_allclose(ev(ones3), Av.sum() * xv.sum() * np.ones((3, 4, 4)))
    assert_allclose(ev(zero3), np.zeros((3, 4, 4)))
    assert_allclose(ev(b.elem_div(b.zeros(A.shape), A)), np.zeros((3, 4)))


# ---- elementwise operations ---------------------------------------------------------------------


def test_hadamard_and_elementwise_division() -> None:
    assert_allclose(ev(b.hadamard(b.hadamard(x, y), x)), xv * yv * xv)
    assert_allclose(ev(b.elem_div(x, y)), xv / yv)
    assert_allclose(ev(b.elem_div(b.number(1), x)), 1 / xv)
    assert_allclose(ev(b.elem_div(A, a)), Av / av)
    assert_allclose(ev(b.elem_div(a, A)), av / Av)


def test_elementwise_power() -> None:
    pos = np.abs(xv) + 0.1
    assert_allclose(mc.evaluate(b.power(x, b.number(3)), {"x": xv}), xv**3)
    assert_allclose(mc.evaluate(b.power(x, y), {"x": pos, "y": yv}), pos**yv)
    assert_allclose(mc.evaluate(b.power(b.number(2), x), {"x": xv}), 2.0**xv)
    assert_allclose(mc.evaluate(b.power(a, b.number(Fraction(1, 2))), {"a": 9}), 3.0)


def test_scalar_power_of_a_negative_number_is_nan_not_complex() -> None:
    with pytest.warns(RuntimeWarning):
        result = mc.evaluate(b.power(a, b.number(0.5)), {"a": -8})
    assert isinstance(result, float) and np.isnan(result)


def test_scalar_division_by_zero_is_inf_not_an_exception() -> None:
    with pytest.warns(RuntimeWarning):
        result = mc.evaluate(b.div(a, c), {"a": 1, "c": 0})
    assert result == np.inf


def _gammaln(v: np.ndarray) -> np.ndarray:
    return np.array([math.lgamma(t) for t in v])


def _reference(func: str) -> Callable[[typing.Any], typing.Any]:
    """The function as SymPy computes it from the record's SymPy form (independent of ``numpy``)."""
    t = sp.Symbol("t", real=True)
    form = ELEMENTWISE[func].sympy(sp, t)
    fn: Callable[[typing.Any], typing.Any] = sp.lambdify(t, form, ["scipy", "numpy"])  # scipy: erf
    return fn


@pytest.mark.parametrize("func", ELEMENTWISE.names)
def test_elementwise_function(func: str) -> None:
    reference, (lo, hi) = _reference(func), ELEMENTWISE[func].samples
    vec, mat, sca = rng.uniform(lo, hi, 6), rng.uniform(lo, hi, (2, 3)), float(rng.uniform(lo, hi))
    assert_allclose(mc.evaluate(b.apply(func, x), {"x": vec}), reference(vec), rtol=1e-12)
    assert_allclose(mc.evaluate(b.apply(func, A), {"A": mat}), reference(mat), rtol=1e-12)
    result = mc.evaluate(b.apply(func, a), {"a": sca})
    assert isinstance(result, float)
    assert_allclose(result, reference(sca), rtol=1e-12)


def test_sigmoid_is_stable_and_accurate_in_the_tails() -> None:
    t = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = mc.evaluate(b.apply("sigmoid", x), {"x": t})
    assert_allclose(result, [0.0, np.exp(-40) / (1 + np.exp(-40)), 0.5, 1.0, 1.0], rtol=1e-14)
    assert result[1] > 0  # 0.5*(1+tanh(-20)) would round to 0


def test_relu_and_sign_at_zero() -> None:
    t = np.array([-2.0, 0.0, 3.0])
    assert_allclose(mc.evaluate(b.apply("relu", x), {"x": t}), [0.0, 0.0, 3.0])
    assert_allclose(mc.evaluate(b.apply("sign", x), {"x": t}), [-1.0, 0.0, 1.0])


def test_log_of_a_negative_number_is_nan_with_numpys_warning() -> None:
    with pytest.warns(RuntimeWarning):
        result = mc.evaluate(b.apply("log", x), {"x": np.array([-1.0, 1.0])})
    assert np.isnan(result[0]) and result[1] == 0.0


# ---- matrix functions ---------------------------------------------------------------------------


def test_trace_det_logdet() -> None:
    assert_allclose(ev(b.trace(X)), np.trace(Xv))
    assert_allclose(ev(b.det(X)), np.linalg.det(Xv))
    assert_allclose(ev(b.logdet(S)), np.log(np.linalg.det(Sv)))
    assert_allclose(ev(b.trace(b.matmul(A, b.transpose(A)))), np.sum(Av * Av))


def test_logdet_is_log_of_absolute_determinant() -> None:
    m = np.diag([2.0, -3.0])
    assert_allclose(mc.evaluate(b.logdet(X), {"X": m}), np.log(6.0))


def test_inverse() -> None:
    assert_allclose(ev(b.inv(X)), np.linalg.inv(Xv))
    assert_allclose(ev(b.matmul(b.inv(X), x)), np.linalg.solve(Xv, xv))


@pytest.mark.parametrize("k", [2, 3, -2, -3])
def test_matrix_power(k: int) -> None:
    assert_allclose(ev(b.matpow(X, k)), np.linalg.matrix_power(Xv, k), rtol=1e-10)


def test_diag_both_ways() -> None:
    assert_allclose(ev(b.diag(x)), np.diag(xv))
    assert_allclose(ev(b.diag(X)), np.diag(Xv))
    assert_allclose(ev(b.diag(b.diag(x))), xv)
    result = ev(b.diag(X))
    result[0] = 123.0  # a fresh writable array, not a view of the input
    assert Xv[0, 0] != 123.0


def test_sum_entries() -> None:
    assert_allclose(ev(b.sum_entries(A)), Av.sum())
    assert_allclose(ev(b.sum_entries(x)), xv.sum())


@pytest.mark.parametrize("p", [1, 2])
def test_norms(p: int) -> None:
    assert_allclose(ev(b.norm(x, p)), np.linalg.norm(xv, p))
    flat = np.linalg.norm(Av.ravel(), p)
    assert_allclose(ev(b.norm(A, p)), flat)  # entrywise; Frobenius for p=2
    assert_allclose(mc.evaluate(b.norm(a, p), {"a": -2.5}), 2.5)


def test_norm2_does_not_overflow() -> None:
    t = np.array([3e200, 4e200])
    assert_allclose(mc.evaluate(b.norm(x, 2), {"x": t}), 5e200)
    assert mc.evaluate(b.norm(x, 2), {"x": np.zeros(3)}) == 0.0


def test_softmax() -> None:
    e = np.exp(xv)
    assert_allclose(ev(b.softmax(x)), e / e.sum())
    assert_allclose(ev(b.softmax(b.matmul(b.transpose(z), A))), np.exp(zv @ Av) / np.exp(zv @ Av).sum())


def test_softmax_is_stable_for_large_inputs() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = mc.evaluate(b.softmax(x), {"x": np.array([1000.0, 1000.0, -1000.0])})
    assert_allclose(result, [0.5, 0.5, 0.0])


def test_symmetric_symbol() -> None:
    f = b.add(b.matmul(b.matmul(b.transpose(x), S), x), b.trace(b.inv(S)))
    assert_allclose(ev(f), xv @ Sv @ xv + np.trace(np.linalg.inv(Sv)))
    assert b.transpose(S) is S


def test_number_only_expressions() -> None:
    assert mc.evaluate(b.number(3)) == 3.0
    assert isinstance(mc.evaluate(b.number(3), {}), float)
    assert mc.evaluate(b.number(Fraction(1, 3)), {}) == pytest.approx(1 / 3)


# ---- values: keys, conversion, results ------------------------------------------------------------


def test_symbol_keys_ints_lists_and_extra_values() -> None:
    f = b.matmul(A, x)
    result = mc.evaluate(f, {A: [[1, 2], [3, 4]], x: (1, 1), "unused": "anything"})
    assert result.dtype == np.float64
    assert_allclose(result, [3.0, 7.0])
    assert mc.evaluate(a, {mc.scalar("a"): np.int64(2)}) == 2.0
    assert mc.evaluate(a, {"a": np.array(2.5)}) == 2.5


def test_symbol_key_matches_by_name_even_when_dims_were_unified() -> None:
    f = b.matmul(A, x)
    (x_in_f,) = (s for s in f.symbols if s.name == "x")
    assert x_in_f is not x  # unification renamed x's dimension to A's columns
    assert_allclose(mc.evaluate(f, {A: Av, x: xv}), Av @ xv)


def test_result_never_aliases_an_input() -> None:
    result = mc.evaluate(x, {"x": xv})
    result[0] += 1.0
    assert result[0] != xv[0]


def test_float32_and_fraction_values_become_float64() -> None:
    result = mc.evaluate(x, {"x": np.ones(3, dtype=np.float32)})
    assert result.dtype == np.float64
    assert_allclose(mc.evaluate(x, {"x": [Fraction(1, 2), Fraction(3, 2)]}), [0.5, 1.5])


def test_shared_subexpressions_are_evaluated_once() -> None:
    e: ex.Expr = x
    reference = xv
    for _ in range(120):  # a tree of 2**120 paths, a DAG of about 600 nodes
        e = b.elem_div(b.apply("sin", e), b.add(b.number(2), b.apply("cos", e)))
        reference = np.sin(reference) / (2 + np.cos(reference))
    assert_allclose(mc.evaluate(e, {"x": xv}), reference)


# ---- every node class has a rule ------------------------------------------------------------------


def _example_of_every_node() -> dict[type, tuple[ex.Expr, object]]:
    return {
        ex.Symbol: (x, xv),
        ex.Number: (b.number(2), 2.0),
        ex.Zero: (b.elem_div(b.zeros(x.shape), x), np.zeros(4)),
        ex.Ones: (b.add(b.number(1), x), 1 + xv),
        ex.Identity: (b.add(X, b.eye()), Xv + np.eye(4)),
        ex.Add: (b.add(x, y), xv + yv),
        ex.Scale: (b.mul(a, x), av * xv),
        ex.MatMul: (b.matmul(A, x), Av @ xv),
        ex.Transpose: (b.transpose(A), Av.T),
        ex.Hadamard: (b.hadamard(x, y), xv * yv),
        ex.ElemDiv: (b.elem_div(x, y), xv / yv),
        ex.Power: (b.power(x, b.number(2)), xv**2),
        ex.Apply: (b.apply("exp", x), np.exp(xv)),
        ex.Trace: (b.trace(X), np.trace(Xv)),
        ex.Det: (b.det(X), np.linalg.det(Xv)),
        ex.LogDet: (b.logdet(S), np.linalg.slogdet(Sv)[1]),
        ex.Inverse: (b.inv(X), np.linalg.inv(Xv)),
        ex.MatPow: (b.matpow(X, 2), Xv @ Xv),
        ex.DiagMatrix: (b.diag(x), np.diag(xv)),
        ex.DiagVector: (b.diag(X), np.diag(Xv)),
        ex.SumEntries: (b.sum_entries(A), Av.sum()),
        ex.Norm: (b.norm(x, 2), np.linalg.norm(xv)),
        ex.Softmax: (b.softmax(x), np.exp(xv) / np.exp(xv).sum()),
        ex.LogSumExp: (axes.logsumexp(A, 2), np.log(np.exp(Av).sum(axis=1))),
        ex.Size: (axes.size(A, 2), float(Av.shape[1])),
        ex.Extremum: (axes.extremum("max", A), Av.max()),
        ex.Attained: (axes.attained("min", A), (Av == Av.min()).astype(float)),
        ex.Polygamma: (gamma.polygamma(-1, b.apply("exp", x)), _gammaln(np.exp(xv))),
        ex.IndexForm: (_index_form((k4, i3), [Term(2, (Factor(A, (i3, k4)),))]), 2 * Av.T),
        ex.Call: (b.call("F", "vector function", x), np.cumsum(xv)),
        ex.MatFun: (matfun("expm", S), scipy.linalg.expm(Sv)),
        ex.Spectral: (spectral_op("eigvals", S), np.linalg.eigvalsh(Sv)),
        ex.Kron: (kronecker.kron(A, X), np.kron(Av, Xv)),
        ex.Vec: (kronecker.vec(A), Av.reshape(-1, order="F")),
        ex.PairIndex: (
            kronecker.pair_index(kronecker.vec(A).shape[0], A.shape[1], A.shape[0]),
            np.eye(12).reshape(12, 4, 3),
        ),
        # K_pq vec(A) = vec(A') for A p x q (Magnus & Neudecker ch. 3 sec. 7)
        ex.Commutation: (b.matmul(b.commutation(*A.shape), kronecker.vec(A)), Av.T.reshape(-1, order="F")),
    }


def test_every_node_class_has_an_evaluation_rule() -> None:
    node_classes = set(typing.get_args(ex.Node))
    assert set(_RULES) == node_classes
    assert set(_example_of_every_node()) == node_classes


def test_node_union_lists_every_node_class() -> None:
    def subclasses(cls: type) -> set[type]:
        return {s for k in cls.__subclasses__() for s in {k} | subclasses(k)}

    # dataclass(slots=True) leaves the pre-slots class behind as a subclass too
    public = {k for k in subclasses(ex.Expr) if getattr(ex, k.__name__, None) is k}
    assert public - {ex.Named} == set(typing.get_args(ex.Node))  # Named: the base of nodes with a record
    assert {k for k in typing.get_args(ex.Node) if issubclass(k, ex.Named)} == NODE_TYPES


@pytest.mark.parametrize("cls", list(typing.get_args(ex.Node)), ids=lambda c: c.__name__)
def test_example_node(cls: type) -> None:
    e, expected = _example_of_every_node()[cls]
    assert cls in {type(n) for n in ex.walk(e)}  # a leaf needs a symbol beside it to get a size
    values = {"x": xv, "y": yv, "A": Av, "X": Xv, "S": Sv, "a": av, "F": np.cumsum}
    assert_allclose(mc.evaluate(e, values), expected)


# ---- index notation (IndexForm) ---------------------------------------------------------------------

ROWS, COLS = A.shape  # dims of A: 3 and 4 with the values above
i3, j3, k4, l4 = Idx("i", ROWS), Idx("j", ROWS), Idx("k", COLS), Idx("l", COLS)
x4 = next(s for s in b.matmul(A, x).symbols if s.name == "x")  # x with A's column dim


def _index_form(free: tuple[Idx, ...], terms: list[Term]) -> ex.IndexForm:
    ix = IndexExpr(free, tuple(terms))
    verify(ix)
    return ex.IndexForm(ix, shape=ix.shape)


@pytest.mark.parametrize(
    ("free", "terms", "expected"),
    [
        # d(A*x)/dA: T[i, j, k] = δ_ij x_k -- a delta between two free indices
        (
            (i3, j3, k4),
            [Term(1, (Factor(x4, (k4,)),), (Delta(i3, j3),))],
            np.einsum("ij,k->ijk", np.eye(3), xv),
        ),
        # Σ_k,l A_ik δ_kl x_l = (A x)_i -- a summed delta contracts
        ((i3,), [Term(1, (Factor(A, (i3, k4)), Factor(x4, (l4,))), (Delta(k4, l4),))], Av @ xv),
        # Σ_m δ_km δ_ml with k, l free: a chain of deltas is one identity
        ((k4, l4), [Term(1, (), (Delta(k4, Idx("m", COLS)), Delta(Idx("m", COLS), l4)))], np.eye(4)),
        # Σ_ij A_ij + 2 Σ_k δ_kk = sum(A) + 2*4 -- an index in no operand is a factor of its size
        ((), [Term(1, (Factor(A, (i3, k4)),)), Term(2, (), (Delta(k4, k4),))], Av.sum() + 8),
        # Σ_k A_ik x_k x_k with i free: an index in three factors
        (
            (i3,),
            [Term(0.5, (Factor(A, (i3, k4)), Factor(x4, (k4,)), Factor(x4, (k4,))))],
            0.5 * Av @ (xv * xv),
        ),
        # B_kk' with k free (diagonal of a square matrix), Fraction coefficient
        (
            (k4,),
            [Term(Fraction(1, 2), (Factor(b.matmul(b.transpose(A), A), (k4, k4)),))],
            np.diag(Av.T @ Av) / 2,
        ),
    ],
)
def test_index_form(free: tuple[Idx, ...], terms: list[Term], expected: np.ndarray) -> None:
    e = _index_form(free, terms)
    result = mc.evaluate(e, {"A": Av, "x": xv})
    assert np.shape(result) == np.shape(expected)
    assert_allclose(result, expected)


def test_dimension_named_after_a_symbol_takes_its_size_from_the_value() -> None:
    ones_x = b.ones((Dim.of("x", 0),))  # e.g. the derivative of sum(x) by x: no x left in it
    assert_allclose(mc.evaluate(ones_x, {"x": xv}), np.ones(4))
    msg = r"cannot infer the size of vector\(..\): it is dimension 1 of x, so it needs a value for 'x'"
    with pytest.raises(mc.EvaluationError, match=msg):
        mc.evaluate(ones_x, {})


def test_check_symmetric_can_be_turned_off() -> None:
    bumped = Sv.copy()
    bumped[0, 1] += 1e-3  # what a finite-difference step does to one entry
    with pytest.raises(mc.EvaluationError, match="not symmetric"):
        mc.evaluate(S, {"S": bumped})
    assert_allclose(mc.evaluate(S, {"S": bumped}, check_symmetric=False), bumped)


# ---- errors --------------------------------------------------------------------------------------


def test_missing_symbols_are_all_listed() -> None:
    f = b.add(b.matmul(A, x), b.mul(a, z))
    with pytest.raises(mc.EvaluationError, match=r"no value given for 'A', 'x', 'a'"):
        mc.evaluate(f, {"z": zv})


def test_dimension_clash_names_both_symbols_and_shapes() -> None:
    msg = (
        r"A has shape \(3, 4\) but x has shape \(5,\): "
        r"the columns of A and the length of x must agree"
    )
    with pytest.raises(mc.ShapeError, match=msg):
        mc.evaluate(b.matmul(A, x), {"A": np.ones((3, 4)), "x": np.ones(5)})


def test_dimension_clash_through_a_sum() -> None:
    f = b.add(b.matmul(A, x), y)
    msg = r"A has shape \(3, 4\) but y has shape \(4,\): the rows of A and the length of y must agree"
    with pytest.raises(mc.ShapeError, match=msg):
        mc.evaluate(f, {"A": Av, "x": np.ones(4), "y": np.ones(4)})


def test_matrix_that_must_be_square() -> None:
    msg = r"A has shape \(3, 4\), but the rows of A and the columns of A must agree"
    with pytest.raises(mc.ShapeError, match=msg):
        mc.evaluate(b.det(A), {"A": Av})


@pytest.mark.parametrize(
    ("sym", "value", "msg"),
    [
        (x, np.ones((4, 1)), r"x is a vector, so its value must be a 1-D array, but it has shape \(4, 1\)"),
        (x, 3.0, r"x is a vector, so its value must be a 1-D array, but it has shape \(\)"),
        (A, np.ones(3), r"A is a matrix, so its value must be a 2-D array, but it has shape \(3,\)"),
        (a, np.ones(1), r"a is a scalar, so its value must be a real number or a 0-d array"),
        (S, np.ones((2, 3)), r"S is a symmetric matrix, so its value must be square"),
    ],
)
def test_value_of_the_wrong_kind(sym: ex.Symbol, value: object, msg: str) -> None:
    with pytest.raises(mc.ShapeError, match=msg):
        mc.evaluate(sym, {sym.name: value})


def test_symmetric_value_that_is_not_symmetric() -> None:
    with pytest.raises(mc.EvaluationError, match="S is a symmetric matrix, but its value is not symmetric"):
        mc.evaluate(S, {"S": np.array([[1.0, 2.0], [3.0, 4.0]])})
    nearly = Sv + 1e-12 * normal(4, 4)  # round-off is tolerated
    assert_allclose(mc.evaluate(S, {"S": nearly}), nearly)


@pytest.mark.parametrize(
    ("value", "msg"),
    [
        (np.array([1 + 2j, 3]), "the value of x is complex"),
        (2j, "the value of x is complex"),
        (["1", "2"], "the value of x is not real numbers"),
        ("12", "the value of x is not real numbers"),
        (None, "the value of x is not real numbers"),
        ([[1, 2], [3]], "the value of x is not an array of numbers"),
        (np.array([True, False]), "the value of x is boolean"),
        ({"a": 1}, "the value of x is not real numbers"),
    ],
)
def test_value_that_is_not_real_numbers(value: object, msg: str) -> None:
    with pytest.raises(mc.EvaluationError, match=msg):
        mc.evaluate(x, {"x": value})


@pytest.mark.parametrize(
    ("e", "what"),
    [
        (b.trace(b.eye()), "eye"),
        (b.sum_entries(b.fill(b.number(1), 1)), r"vector\(..\)"),
        (b.norm(b.fill(b.number(2), 2), 2), r"matrix\(..\)"),
        (b.add(a, b.sum_entries(b.fill(a, 1))), r"vector\(..\)"),
    ],
)
def test_size_that_cannot_be_inferred(e: ex.Expr, what: str) -> None:
    with pytest.raises(mc.EvaluationError, match=f"cannot infer the size of {what}"):
        mc.evaluate(e, {"a": 1.0})


def test_singular_inverse() -> None:
    with pytest.raises(mc.EvaluationError, match=r"inv\(X\): matrix is singular"):
        mc.evaluate(b.inv(X), {"X": np.ones((3, 3))})
    with pytest.raises(mc.EvaluationError, match=r"X\^-2: matrix is singular"):
        mc.evaluate(b.matpow(X, -2), {"X": np.zeros((2, 2))})


def test_singular_matrix_in_a_large_shared_expression() -> None:
    e: ex.Expr = X
    for _ in range(60):  # str(e) would be 2**60 characters long
        e = b.sub(b.matmul(e, e), e)  # zero for X = 0
    with pytest.raises(mc.EvaluationError, match=r"^a Inverse of 10000\+ nodes: matrix is singular"):
        mc.evaluate(b.inv(e), {"X": np.zeros((2, 2))})


def test_bad_arguments() -> None:
    with pytest.raises(mc.EvaluationError, match=r"evaluate needs an expression, got str \(parse text"):
        mc.evaluate("x'*x", {"x": xv})  # type: ignore[arg-type]
    with pytest.raises(mc.EvaluationError, match="values must be a mapping"):
        mc.evaluate(x, [("x", xv)])  # type: ignore[arg-type]
    with pytest.raises(mc.EvaluationError, match="keyed by symbol names or Symbols, got key 1"):
        mc.evaluate(x, {1: xv})  # type: ignore[dict-item]
    with pytest.raises(mc.EvaluationError, match="two values are given for 'x'"):
        mc.evaluate(x, {"x": xv, x: xv})


def test_errors_are_matcalc_errors_and_value_errors() -> None:
    assert issubclass(mc.EvaluationError, mc.MatcalcError)
    with pytest.raises(ValueError):
        mc.evaluate(x, {})


# ---- through the parser ----------------------------------------------------------------------------


PARSE_VALUES = {"x": xv, "y": yv, "A": Xv, "S": Sv}


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("x'*A*x", lambda: xv @ Xv @ xv),
        ("x*y'", lambda: np.outer(xv, yv)),
        ("1+exp(x)", lambda: 1 + np.exp(xv)),
        ("A+eye", lambda: Xv + np.eye(4)),
        ("A.*matrix(2)+A^-2", lambda: 2 * Xv + np.linalg.matrix_power(Xv, -2)),
        ("log(det(S))-logdet(S)+tr(inv(S))", lambda: np.trace(np.linalg.inv(Sv))),
        (
            "softmax(x)'*diag(A)/norm2(x)",
            lambda: np.exp(xv) / np.exp(xv).sum() @ np.diag(Xv) / np.linalg.norm(xv),
        ),
    ],
)
def test_parsed_expressions(text: str, reference: Callable[[], object]) -> None:
    f = mc.parse(text, {"x": "vector", "y": "vector", "A": "matrix", "S": "symmetric"})
    assert_allclose(mc.evaluate(f, PARSE_VALUES), reference(), rtol=1e-10)
