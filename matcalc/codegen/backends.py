"""How each array library spells the operations generated code uses.

A `Backend` is data: the import line, the namespace alias, and a table of
*templates* -- Python expressions with placeholders ``_0``, ``_1``, ... for
the operands and ``xp`` for the library's namespace (renamed to the alias at
generation, e.g. ``np``).  NumPy's table is complete; the others copy it and
override what their library spells differently, so ``backend="jax"`` is
mostly a different namespace name.

Constructors (``eye``, ``ones``, ``zeros``) get the size as ``_0`` and an
array of the same computation as ``_1`` (``_like``), for libraries whose
constructors need a dtype or device.

Helpers are small functions written once into the generated module where a
formula needs a temporary (``sigmoid``, ``softmax``); they use ``xp`` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from matcalc.codegen import spectral
from matcalc.errors import MatcalcError, RegistryError
from matcalc.ops import BACKENDS as BACKEND_NAMES
from matcalc.ops import ELEMENTWISE
from matcalc.ops.gamma import FAMILIES
from matcalc.ops.matrix import MATRIX_FUNCTIONS
from matcalc.ops.record import code_name

__all__ = ["BACKENDS", "Backend", "backend"]



def _functions(backend: str) -> dict[str, str]:
    """The templates of the elementwise functions and families for ``backend``, from their records."""
    return {
        **{r.name: r.code[backend] for r in ELEMENTWISE.values()},
        **{op: templates[backend] for r in FAMILIES.values() for op, templates in r.code.items()},
    }


def _matrix_functions(backend: str) -> dict[str, str]:
    """The templates of the named matrix-level functions for ``backend``, by their code names."""
    return {
        code_name(r.name, form): templates[backend]
        for r in MATRIX_FUNCTIONS.values()
        for form, templates in r.code.items()
    }


def _function_helpers() -> dict[str, str]:
    """The helpers the functions' templates call (NumPy's spelling, with ``xp``), from their records."""
    tables = [r.helpers for registry in (ELEMENTWISE, MATRIX_FUNCTIONS) for r in registry.values()]
    return {name: text for helpers in tables for name, text in helpers.items()}


@dataclass(frozen=True, slots=True)
class Backend:
    """The spellings of one array library.

    Attributes:
        name: the name users pass (``"numpy"``).
        imports: the import lines of the generated module, in order; the one
            that binds ``alias`` first.
        alias: the name the namespace is bound to (``np``).
        templates: operation name to template expression.
        helpers: helper name to the source of its ``def`` (using ``xp``).
        einsum: how a precomputed contraction path is passed: ``"numpy"``
            (``optimize=['einsum_path', ...]``), ``"pairs"`` (``optimize=[(0, 1), ...]``,
            as opt_einsum and JAX take it) or ``"none"`` (the library picks);
            ``"broadcast"`` for a library without einsum: operands are aligned
            by indexing, multiplied and summed.
        namespace_from_args: the function's first line binds ``alias`` to the
            namespace of its array arguments (the array API's way).
    """

    name: str
    imports: tuple[str, ...]
    alias: str
    templates: Mapping[str, str]
    helpers: Mapping[str, str] = field(default_factory=dict)
    einsum: Literal["numpy", "pairs", "none", "broadcast"] = "numpy"
    namespace_from_args: bool = False

    def template(self, op: str) -> str:
        """The template of ``op``; a `RegistryError` names the backend if it has none."""
        try:
            return self.templates[op]
        except KeyError:
            raise RegistryError(f"backend {self.name!r} has no template for {op!r}") from None


_NUMPY_TEMPLATES: dict[str, str] = {
    "power": "xp.power(_0, _1)",  # scalars: Python's ** gives complex numbers or raises
    "divide": "xp.divide(_0, _1)",  # scalars: Python's / raises on division by zero
    # products
    "matmul": "_0 @ _1",
    "outer": "xp.outer(_0, _1)",
    "transpose": "_0.T",
    "column": "_0[:, None]",  # a vector as a column, to scale the rows of a matrix
    "row": "_0[None, :]",  # a vector as a 1 x n matrix
    "reshape": "xp.reshape(_0, _1)",
    "solve": "xp.linalg.solve(_0, _1)",
    "dot_all": "xp.einsum('ij,ij->', _0, _1)",  # sum of the entrywise product of two matrices
    "trace_of_product": "xp.einsum('ij,ji->', _0, _1)",
    "diag_of_product": "xp.einsum('ij,ji->i', _0, _1)",
    "diag_of_product_t": "xp.einsum('ij,ij->i', _0, _1)",  # diag(A*B')
    # reductions
    "sum_rows": "xp.sum(_0, axis=0)",  # ones' * M
    "sum_cols": "xp.sum(_0, axis=1)",  # M * ones
    "matpow": "xp.linalg.matrix_power(_0, _1)",
    "copy": "_0.copy()",  # an output that would be a read-only view of an input
    # constructors: _0 the shape (or size), _1 an array of the computation
    "eye": "xp.eye(_0)",
    "ones": "xp.ones(_0)",
    "zeros": "xp.zeros(_0)",
    # K_pq (_0 = p, _1 = q): the identity of (q*p), rows read as (b, a), reordered to (a, b)
    "commutation": "xp.reshape(xp.transpose(xp.reshape(xp.eye(_0 * _1), (_1, _0, _0 * _1)), (1, 0, 2)), "
                   "(_0 * _1, _0 * _1))",
    "einsum": "xp.einsum",
}

_NUMPY_HELPERS: dict[str, str] = {
    **_function_helpers(),
    **spectral.RECORD_HELPERS,
    **{name: text for r in FAMILIES.values() for name, text in r.helpers.items()},
}

#: Only NumPy's arrays can be written through a view (``einsum`` of one operand returns one).
_ON_DIAGONAL = '''def _on_diagonal(shape, spec, value):
    """Zeros of ``shape`` with ``value`` on the diagonal that ``spec`` picks (deltas between axes)."""
    out = xp.zeros(shape, dtype=xp.result_type(value, 1.0))
    xp.einsum(spec, out)[...] = value
    return out'''

NUMPY = Backend(
    "numpy",
    ("import numpy as np", "import scipy.linalg"),  # SciPy only for matrix functions, when used
    "np",
    {
        **_NUMPY_TEMPLATES, **_functions("numpy"), **_matrix_functions("numpy"),
        "on_diagonal": "_on_diagonal(_0, _1, _2)",
        "frechet": "_frechet(_0, _1, _2, *_3)",  # the k-th Fréchet derivative of f (_0) by the block identity
    },
    {**_NUMPY_HELPERS, "_on_diagonal": _ON_DIAGONAL, "_frechet": spectral.FRECHET_HELPER},
    "numpy",
)

JAX = Backend(
    "jax",
    ("import jax.numpy as jnp", "import jax"),
    "jnp",
    {
        **_NUMPY_TEMPLATES,
        **_functions("jax"), **_matrix_functions("jax"),
        "copy": "_0",  # JAX arrays are immutable
    },
    spectral.RECORD_HELPERS,
    "pairs",
)

TORCH = Backend(
    "torch",
    ("import torch",),
    "torch",
    {
        **_NUMPY_TEMPLATES,
        **_functions("torch"), **_matrix_functions("torch"),
        "transpose": "_0.mT",
        "power": "torch.pow(_0, _1)",
        "dot_all": "torch.sum(_0 * _1)",
        "sum_rows": "torch.sum(_0, 0)",
        "sum_cols": "torch.sum(_0, 1)",
        "copy": "_0.clone()",
        "eye": "torch.eye(_0, dtype=_1.dtype, device=_1.device)",
        "ones": "torch.ones(_0, dtype=_1.dtype, device=_1.device)",
        "zeros": "torch.zeros(_0, dtype=_1.dtype, device=_1.device)",
        "commutation": "torch.eye(_0 * _1, dtype=_2.dtype, device=_2.device).reshape(_1, _0, _0 * _1)"
                       ".permute(1, 0, 2).reshape(_0 * _1, _0 * _1)",
    },
    spectral.RECORD_HELPERS,
    "none",
)

_ARRAY_API_HELPERS = {
    name: text.replace(f"def {name}(", f"def {name}(xp, ") for name, text in _NUMPY_HELPERS.items()
}

#: Any namespace of the array API standard (NumPy, CuPy, Dask, PyTorch, ...):
#: the namespace is found from the arguments, by array-api-compat.
ARRAY_API = Backend(
    "array_api",
    ("from array_api_compat import array_namespace",),
    "xp",
    {
        **_NUMPY_TEMPLATES,
        **_functions("array_api"), **_matrix_functions("array_api"),
        "power": "_0 ** _1",  # scalars are 0-d arrays here
        "divide": "_0 / _1",
        "outer": "_0[:, None] * _1",
        "dot_all": "xp.sum(_0 * _1)",
        "trace_of_product": "xp.sum(_0 * _1.T)",
        "diag_of_product": "xp.sum(_0 * _1.T, axis=1)",
        "diag_of_product_t": "xp.sum(_0 * _1, axis=1)",
        "copy": "xp.asarray(_0, copy=True)",
        "permute": "xp.permute_dims(_0, _1)",
        "sum_axes": "xp.sum(_0, axis=_1)",
        "eye": "xp.eye(_0, dtype=_1.dtype)",
        "ones": "xp.ones(_0, dtype=_1.dtype)",
        "zeros": "xp.zeros(_0, dtype=_1.dtype)",
        "commutation": "xp.reshape(xp.permute_dims(xp.reshape(xp.eye(_0 * _1, dtype=_2.dtype), "
                       "(_1, _0, _0 * _1)), (1, 0, 2)), (_0 * _1, _0 * _1))",
    },
    _ARRAY_API_HELPERS,
    "broadcast",
    namespace_from_args=True,
)

#: Every backend, by name.
BACKENDS: Mapping[str, Backend] = {b.name: b for b in (NUMPY, JAX, TORCH, ARRAY_API)}

if tuple(BACKENDS) != BACKEND_NAMES:  # every record spells exactly these backends
    raise RegistryError(f"the backends {tuple(BACKENDS)} are not the registry's {BACKEND_NAMES}")


def backend(name: str | Backend) -> Backend:
    """The backend called ``name`` (a `Backend` passes through)."""
    if isinstance(name, Backend):
        return name
    if not isinstance(name, str) or name not in BACKENDS:
        raise MatcalcError(f"unknown backend {name!r}; backends are {', '.join(BACKENDS)}")
    return BACKENDS[name]
