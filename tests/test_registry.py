"""The registry of operations: records are validated, a local copy takes a new record, nothing global.

The worked example of docs/architecture.md (adding ``softplus``) is the
record `SOFTPLUS` here: a test registers it in a local copy of the registry,
and the registry refuses records with a missing or malformed piece, naming
the record and the piece.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import matcalc as mc
from matcalc import build
from matcalc.codegen.backends import BACKENDS as CODE_BACKENDS
from matcalc.errors import RegistryError
from matcalc.expr import DiagVector
from matcalc.ops import BACKENDS, ELEMENTWISE, Elementwise, Registry, spelled
from matcalc.ops.matrix import MATRIX_FUNCTIONS, NODE_TYPES, _by_node, code_op, matrix_function
from matcalc.ops.record import code_name

#: The worked example: softplus(t) = log(1 + exp(t)), softplus' = sigmoid.
SOFTPLUS = Elementwise(
    "softplus",
    lambda x: np.logaddexp(0.0, x),
    lambda u, f: f("sigmoid", u),
    r"\operatorname{softplus}",
    spelled("xp.logaddexp(0.0, _0)", torch="torch.nn.functional.softplus(_0)",
            array_api="xp.logaddexp(xp.zeros_like(_0), _0)"),
    lambda sp, t: sp.log(1 + sp.exp(t)),
    (-5, 5),
    range=(0.0, math.inf),
)  # fmt: skip


def test_a_local_copy_takes_a_new_record_and_the_global_registry_is_unchanged() -> None:
    # softplus itself is registered (matcalc/ops/special.py): the local copy takes it under a new name
    record = dataclasses.replace(SOFTPLUS, name="softplus_local")
    local = ELEMENTWISE.extended(record)
    assert local["softplus_local"] is record
    assert local.names == (*ELEMENTWISE.names, "softplus_local")
    assert "softplus_local" not in ELEMENTWISE
    with pytest.raises(RegistryError, match="no elementwise function 'softplus_local'"):
        ELEMENTWISE["softplus_local"]


def test_the_registry_cannot_be_changed_in_place() -> None:
    with pytest.raises(TypeError):
        ELEMENTWISE["softplus"] = SOFTPLUS  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ELEMENTWISE["exp"].latex = "e"  # type: ignore[misc]


def test_every_backend_of_code_generation_is_spelled_by_every_record() -> None:
    assert tuple(CODE_BACKENDS) == BACKENDS
    for record in ELEMENTWISE.values():
        for name, backend in CODE_BACKENDS.items():
            assert backend.template(record.name) == record.code[name]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": {b: t for b, t in SOFTPLUS.code.items() if b != "torch"}}, r"backend\(s\) torch"),
        ({"code": {**SOFTPLUS.code, "cupy": "cp.logaddexp(0, _0)"}}, r"unknown backend\(s\) cupy"),
        ({"code": {**SOFTPLUS.code, "jax": "jnp.logaddexp(0.0, x)"}}, "does not use the argument _0"),
        ({"code": {**SOFTPLUS.code, "numpy": "_softplus(_0)"}}, "calls _softplus, which helpers"),
        ({"name": "Soft plus"}, "is not a lower-case identifier"),
        ({"numpy": None}, "numpy is not callable"),
        ({"sympy": "log(1+exp(t))"}, "sympy is not callable"),
        ({"derivative": 0.5}, "derivative is neither None nor callable"),
        ({"latex": " "}, "latex is empty"),
        ({"latex_style": "frac"}, "latex_style 'frac' is not one of"),
        ({"samples": (1, 1)}, r"samples \(1, 1\) is not an interval"),
        ({"range": (1.0, 0.0)}, r"range \(1.0, 0.0\) is not an interval"),
        ({"defined": (0.0, math.inf)}, r"samples \(-5, 5\) leave where it is defined"),
    ],
)
def test_an_incomplete_record_is_refused_with_what_is_missing(change: dict, message: str) -> None:
    broken = dataclasses.replace(SOFTPLUS, **change)
    with pytest.raises(RegistryError, match=message) as info:
        ELEMENTWISE.extended(broken)
    assert isinstance(info.value, mc.MatcalcError)
    assert f"operation {broken.name!r} is incomplete" in str(info.value)


def test_a_name_registered_twice_is_refused() -> None:
    with pytest.raises(RegistryError, match="'exp' is registered twice"):
        ELEMENTWISE.extended(dataclasses.replace(SOFTPLUS, name="exp"))


def test_only_records_go_into_a_registry() -> None:
    with pytest.raises(RegistryError, match="holds Elementwise records, not str"):
        Registry(("exp",))  # type: ignore[arg-type]


def test_an_unknown_backend_in_spelled_is_refused() -> None:
    with pytest.raises(RegistryError, match=r"unknown backend\(s\) cupy"):
        spelled("xp.exp(_0)", cupy="cp.exp(_0)")


def test_an_unknown_function_is_a_matcalc_error_everywhere() -> None:
    with pytest.raises(RegistryError, match="no elementwise function 'gelu'; the functions are exp, log"):
        ELEMENTWISE["gelu"]
    with pytest.raises(mc.ShapeError, match="unknown elementwise function 'gelu'"):
        build.apply("gelu", mc.parse("x"))
    with pytest.raises(RegistryError, match="backend 'numpy' has no template for 'gelu'"):
        CODE_BACKENDS["numpy"].template("gelu")


def test_matrix_function_records_are_validated_too() -> None:
    tr = MATRIX_FUNCTIONS["tr"]
    with pytest.raises(RegistryError, match=r"'trace2' is incomplete: .*argument 'matrix' is not one of"):
        MATRIX_FUNCTIONS.extended(dataclasses.replace(tr, name="trace2", argument="matrix"))
    with pytest.raises(RegistryError, match=r"'trace2' is incomplete: neither build nor with_axis"):
        MATRIX_FUNCTIONS.extended(dataclasses.replace(tr, name="trace2", build=None))
    with pytest.raises(RegistryError, match="holds MatrixFunction records, not Elementwise"):
        MATRIX_FUNCTIONS.extended(SOFTPLUS)  # type: ignore[arg-type]


def test_matrix_function_records_must_give_every_pass_its_piece() -> None:
    tr, diag = MATRIX_FUNCTIONS["tr"], MATRIX_FUNCTIONS["diag"]
    with pytest.raises(RegistryError, match="'trace2' is incomplete: numpy is not callable"):
        MATRIX_FUNCTIONS.extended(dataclasses.replace(tr, name="trace2", numpy=None))
    torchless = {"": {b: t for b, t in tr.code[""].items() if b != "torch"}}
    with pytest.raises(RegistryError, match=r"code form '': no code for the backend\(s\) torch"):
        MATRIX_FUNCTIONS.extended(dataclasses.replace(tr, name="trace2", code=torchless))
    helperless = {"": spelled("_trace(_0)")}
    with pytest.raises(RegistryError, match="template calls _trace, which helpers does not define"):
        MATRIX_FUNCTIONS.extended(dataclasses.replace(tr, name="trace2", code=helperless))
    with pytest.raises(RegistryError, match="forms gives DiagVector the form 'diagonal', which is not one"):
        MATRIX_FUNCTIONS.extended(dataclasses.replace(diag, name="diag2", forms={DiagVector: "diagonal"}))
    with pytest.raises(RegistryError, match="norm is not two subscripts"):
        MATRIX_FUNCTIONS.extended(dataclasses.replace(tr, name="trace2", norm=("2",)))
    with pytest.raises(RegistryError, match=r"to_sympy is neither None .* nor callable"):
        MATRIX_FUNCTIONS.extended(dataclasses.replace(tr, name="trace2", to_sympy="Trace"))


def test_code_generation_takes_every_matrix_template_from_the_records() -> None:
    # each backend's table holds each record's forms under their code names, and nothing else by those names
    names = set()
    for r in MATRIX_FUNCTIONS.values():
        for form, templates in r.code.items():
            names.add(code_name(r.name, form))
            for b, backend in CODE_BACKENDS.items():
                assert backend.template(code_name(r.name, form)) == templates[b]
                for helper in r.helpers:
                    assert helper in backend.helpers or b in ("jax", "torch")  # their templates call none
    assert {"tr", "diag_of_matrix", "softmax_log_rows", "logsumexp_cols", "norm2"} <= names
    parsed = mc.parse("softmax(X, 2)", {"X": "matrix"})
    assert code_op(parsed) == "softmax_rows" and code_op(parsed, "log") == "softmax_log_rows"
    assert code_op(mc.parse("diag(X)", {"X": "matrix"})) == "diag_of_matrix"


def test_every_backend_spells_an_elementwise_function_as_its_record_does() -> None:
    # codegen's rewrites (log(1+exp(t)) is softplus) ask for the record's template, never a copy of their own
    for b, backend in CODE_BACKENDS.items():
        for r in ELEMENTWISE.values():
            assert backend.template(r.name) == r.code[b], (b, r.name)


def test_evaluation_takes_every_matrix_value_from_the_records() -> None:
    from matcalc.evaluate import _RULES, _matrix_function

    assert all(_RULES[node] is _matrix_function for node in NODE_TYPES)
    with pytest.raises(mc.EvaluationError, match=r"inv\(A\): matrix is singular"):
        mc.evaluate(mc.parse("inv(A)", {"A": "matrix"}), {"A": np.zeros((2, 2))})
    rows = mc.parse("size(A, 1)", {"A": "matrix"})
    assert mc.evaluate(rows, {"A": np.zeros((2, 5))}) == 2.0
    assert mc.latex(rows) == r"\operatorname{rows}(A)"


def test_two_matrix_records_of_one_node_need_different_params() -> None:
    clone = dataclasses.replace(MATRIX_FUNCTIONS["norm2"], name="fro")
    with pytest.raises(RegistryError, match=r"'norm2' and 'fro' both stand for Norm with \{'p': 2\}"):
        _by_node(MATRIX_FUNCTIONS.extended(clone))


def test_every_matrix_node_finds_its_record() -> None:
    for r in MATRIX_FUNCTIONS.values():
        arg = mc.parse("x" if r.argument == "vector" else "A", {"x": "vector", "A": "matrix"})
        args = [arg] * r.operands
        e = r.build(*args) if r.build is not None else r.with_axis(arg, 1)  # type: ignore[misc]
        assert matrix_function(e) is r if r.nodes else type(e) not in NODE_TYPES
    with pytest.raises(RegistryError, match="no matrix-function record for the Symbol node"):
        matrix_function(mc.parse("A"))


def test_the_old_table_of_derivatives_reads_the_registry() -> None:
    from matcalc.diff import ELEMENTWISE_DERIVATIVES

    assert set(ELEMENTWISE_DERIVATIVES) == set(ELEMENTWISE)
    u = mc.parse("x")
    for name, rule in ELEMENTWISE_DERIVATIVES.items():
        assert (rule is None) == (ELEMENTWISE[name].derivative is None)
        if rule is not None:
            assert rule(u) is ELEMENTWISE[name].derivative(u, build.apply)  # type: ignore[misc]
    assert str(ELEMENTWISE_DERIVATIVES["sigmoid"](u)) == "sigmoid(x).*(1-sigmoid(x))"  # type: ignore[misc]


def test_the_names_of_other_tools_come_from_the_records() -> None:
    from matcalc.ops.gamma import FAMILIES
    from matcalc.ops.primary import PRIMARY_FUNCTIONS
    from matcalc.ops.spectral import SPECTRAL_OPS
    from matcalc.spellings import FUNCTION_ALIASES

    registries = (ELEMENTWISE, MATRIX_FUNCTIONS, PRIMARY_FUNCTIONS, SPECTRAL_OPS)
    claimed = {a: r.name for reg in registries for r in reg.values() for a in r.aliases}
    claimed |= {a: n for f in FAMILIES.values() for a, n in f.aliases.items()}
    assert dict(FUNCTION_ALIASES) == claimed and claimed["expit"] == "sigmoid" and claimed["trace"] == "tr"
    sigmoid = ELEMENTWISE["sigmoid"]
    with pytest.raises(RegistryError, match="alias 'logit2' is not an identifier other than 'logit2'"):
        ELEMENTWISE.extended(dataclasses.replace(sigmoid, name="logit2", aliases=("logit2",)))
    with pytest.raises(RegistryError, match="alias 'x-y' is not an identifier"):
        MATRIX_FUNCTIONS.extended(dataclasses.replace(MATRIX_FUNCTIONS["tr"], name="tr2", aliases=("x-y",)))
