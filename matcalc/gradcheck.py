"""A value-and-gradient module with a built-in gradient check, as ``matcalc code`` prints it.

matrixcalculus.org gives, with its generated ``fAndG``, code that draws random
inputs and compares the gradient with finite differences.  `value_and_gradient`
does the same for matcalc: the module it returns defines

- ``f(...)`` (the name is a parameter), returning a dict: ``"f"``, the value,
  and ``"grad_w"`` for each variable ``w`` (``"jac_w"`` when the value is not a
  scalar), in matcalc's layout (``f.shape + w.shape``);
- ``check_f(seed=0, points=3)``, which draws random inputs (each dimension a
  size from 2 to 5, square matrices ``3 I`` plus noise, symmetric ones
  symmetric), compares each derivative with central differences of the value,
  entry by entry (pairs ``S[k, l]``, ``S[l, k]`` together for a symmetric
  ``S``), and returns the largest relative error over ``points`` inputs.  It
  skips inputs where the function is not finite or is ill-conditioned (a
  nearly singular matrix makes values and differences rounding noise);
- a ``__main__`` block, so that ``python module.py`` runs the check, prints
  the error and exits with status 0 when it is at most ``1e-6``, 1 when it is
  larger, 2 when no usable inputs were found.

The check is text this module writes, not a call into matcalc: the generated
module imports only its array library (and NumPy, which draws the inputs).
An expression with abstract functions (``L(W*x+b)``) takes them as
arguments; the check cannot invent them, so the module says so and skips it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from string import Template

from matcalc.codegen.backends import backend as backend_named
from matcalc.codegen.function import generate
from matcalc.diff import diff, variable
from matcalc.dims import Dim
from matcalc.errors import MatcalcError
from matcalc.expr import FUNCTION_KINDS, Expr, Symbol, walk
from matcalc.kronecker import product_axes

__all__ = ["TOLERANCE", "value_and_gradient"]

#: Largest relative error the ``__main__`` block of the generated module accepts.
TOLERANCE = 1e-6

#: How each backend's module turns the NumPy inputs of the check into its arrays.
_CONVERT = {
    "numpy": "inputs",
    "jax": "{name: jnp.asarray(value) for name, value in inputs.items()}",
    "torch": "{name: torch.as_tensor(value, dtype=torch.float64) for name, value in inputs.items()}",
    "array_api": "inputs",  # NumPy arrays: array-api-compat finds their namespace
}
_IMPORTS = {
    "numpy": ("import numpy as np",),
    "jax": ("import numpy as np", "import jax", "import jax.numpy as jnp"),
    "torch": ("import numpy as np", "import torch"),
    "array_api": ("import numpy as np",),
}
#: What the ``__main__`` block does first: JAX computes in float32 unless told otherwise.
_SETUP = {"jax": '    jax.config.update("jax_enable_x64", True)  # finite differences need float64\n'}


def value_and_gradient(f: Expr, wrt: Sequence[str], name: str = "f", backend: str = "numpy") -> str:
    """The source of a module computing ``f`` and its derivative by each of ``wrt``, and checking them.

    Args:
        f: the function.
        wrt: the variables, each a symbol of ``f``; one derivative each.
        name: the name of the generated function (the check is ``check_<name>``).
        backend: ``"numpy"``, ``"jax"``, ``"torch"`` or ``"array_api"`` (any library of the
            array API standard; the check runs it on NumPy arrays).

    Raises:
        MatcalcError: a variable that is not a symbol of ``f``, or given twice;
            an unknown backend; a name the check itself uses.
    """
    if backend not in _CONVERT:
        raise MatcalcError(f"unknown backend {backend!r}; the backends are {', '.join(_CONVERT)}")
    variables = _variables(f, wrt)
    prefix = "grad_" if not f.shape else "jac_"
    outputs = {"f": f, **{prefix + v.name: diff(f, v) for v in variables}}
    arrays = [s for s in f.symbols if s.kind not in FUNCTION_KINDS]
    generated = generate(outputs, None, name, backend_named(backend))
    source, name, param_of = generated.source, generated.name, generated.param_of
    if len(arrays) < len(f.symbols):
        return source + _no_check(name, _callables(source, name, arrays))
    products = _products(f, arrays)
    block = _check_block(name, backend, arrays, {prefix + v.name: v for v in variables}, param_of, products)
    # The names the check uses besides the function's own (seen with a name no one would choose):
    other = _check_block("_f_", backend, arrays, {prefix + v.name: v for v in variables}, param_of, products)
    if name in _all_names(other) | _top_level_names("\n".join(_IMPORTS[backend])):
        raise MatcalcError(f"the function cannot be called {name!r}: the gradient check uses that name")
    return _with_imports(source, _IMPORTS[backend]) + block


Products = tuple[tuple[str, tuple[str, ...]], ...]


def _products(f: Expr, arrays: Sequence[Symbol]) -> Products:
    """Each axis of a Kronecker product or vec in ``f`` with the dimensions whose sizes it multiplies.

    The axis may be a symbol's own dimension (``y`` in ``kron(A, B)*x-y``), which the
    random inputs must then size as the product.
    """
    drawn = {d for s in arrays for d in s.shape}
    out: dict[tuple[str, tuple[str, ...]], None] = {}
    for e in walk(f):
        for whole, parts in product_axes(e):
            atoms = tuple(a for p in parts for a in p.atoms())
            if all(a in drawn for a in atoms):
                out[(repr(whole), tuple(repr(a) for a in atoms))] = None
    return tuple(out)


def _variables(f: Expr, wrt: Sequence[str]) -> list[Symbol]:
    """The symbols of ``f`` named in ``wrt``, checked."""
    out: list[Symbol] = []
    for w in wrt:
        s = variable(f, w)  # refuses abstract functions and names f does not contain
        if s in out:
            raise MatcalcError(f"the variable {w!r} is given twice")
        out.append(s)
    if not out:
        raise MatcalcError("give at least one variable to differentiate by")
    return out


def _top_level_names(source: str) -> set[str]:
    """The names a module binds at top level: functions, classes, imports, assignments."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _with_imports(source: str, imports: Sequence[str]) -> str:
    """``source`` with the import lines it lacks added after its docstring and imports."""
    lines = source.splitlines(keepends=True)
    missing = [line + "\n" for line in imports if line + "\n" not in lines]
    if not missing:
        return source
    head = 0
    for node in ast.parse(source).body:
        is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if not (is_docstring or isinstance(node, ast.Import | ast.ImportFrom)):
            break
        head = node.end_lineno or head
    has_imports = any(line.startswith(("import ", "from ")) for line in lines[:head])
    added = missing if has_imports else ["\n", *missing]
    return "".join([*lines[:head], *added, *lines[head:]])


def _callables(source: str, name: str, arrays: Sequence[Symbol]) -> list[str]:
    """The parameters of the generated function that are functions, not arrays."""
    names = {s.name for s in arrays}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return [a.arg for a in node.args.args if a.arg not in names]
    raise AssertionError(f"the generated module defines no function {name!r}")  # pragma: no cover


def _no_check(name: str, callables: Sequence[str]) -> str:
    """The note a module with abstract functions gets instead of a check."""
    listed = ("the function " if len(callables) == 1 else "the functions ") + ", ".join(callables)
    return f'''

# No built-in gradient check: {name} takes {listed} as arguments,
# and a check cannot invent them.  Pass your own (each derivative consistent with
# its function) and compare the derivatives with central differences of "f".

if __name__ == "__main__":
    print("{name} takes {listed}: no built-in gradient check (it needs them)")
'''


# ---- the text of the check (templates: $name is replaced, the code itself has no $) ---------

_HELPERS = '''

# ---- gradient check, generated by `matcalc code`: `python <this file>` runs it ----


def _backend_inputs(inputs):
    """The NumPy inputs of the check as the arrays $function takes."""
    return $convert


def _value_at(function, inputs, variable, x):
    """The value of function (key "f") at inputs, with variable set to x, as a NumPy array."""
    value = x if np.ndim(x) else float(x)
    return np.asarray(function(**_backend_inputs({**inputs, variable: value}))["f"], dtype=np.float64)


def _ill_conditioned(function, inputs, out, rng):
    """Whether changing the inputs by 1e-9 (relatively) changes an output by 1e-4 of its size.

    That is a condition number above 1e5: a matrix nearly singular, where the
    value and derivatives are rounding noise that no difference can check.
    """
    nudged = {}
    for name, value in inputs.items():
        noise = rng.standard_normal(np.shape(value))
        if np.ndim(value) == 2 and np.array_equal(value, np.transpose(value)):
            noise = (noise + noise.T) / 2  # a symmetric matrix stays symmetric
        nudged[name] = value * (1 + 1e-9 * noise) if np.ndim(value) else float(value * (1 + 1e-9 * noise))
    again = function(**_backend_inputs(nudged))
    for key, value in out.items():
        before = np.asarray(value, dtype=np.float64)
        change = np.abs(np.asarray(again[key], dtype=np.float64) - before)
        if np.max(change, initial=0.0) > 1e-4 * max(1.0, float(np.max(np.abs(before), initial=0.0))):
            return True
    return False


def _gradient_error(function, inputs, derivative, variable, eps, symmetric):
    """max|derivative - central differences| / max(1, max|differences|), over the entries of variable.

    None where the differences are unstable: those with steps h and 4h differ by more
    than 10*sqrt(eps), relatively (near a singular matrix).  The step h is eps**(1/3)
    times the size of the entries.  A symmetric matrix changes by pairs of entries,
    S[k, l] and S[l, k] together, so that it stays symmetric.
    """
    x = np.asarray(inputs[variable], dtype=np.float64)
    h = eps ** (1 / 3) * max(1.0, float(np.max(np.abs(x))))
    claimed, fine, coarse = [], [], []
    for index in np.ndindex(*x.shape):
        if symmetric and index[0] > index[1]:
            continue
        direction = np.zeros(x.shape)
        direction[index] = 1.0
        if symmetric:
            direction[index[::-1]] = 1.0
        for differences, t in ((fine, h), (coarse, 4 * h)):
            after = _value_at(function, inputs, variable, x + t * direction)
            before = _value_at(function, inputs, variable, x - t * direction)
            differences.append((after - before) / (2 * t))
        claimed.append(np.tensordot(np.asarray(derivative, dtype=np.float64), direction, axes=x.ndim))
    claimed, fine, coarse = np.array(claimed), np.array(fine), np.array(coarse)
    scale = max(1.0, float(np.max(np.abs(fine))))
    if np.max(np.abs(fine - coarse)) > 10 * np.sqrt(eps) * scale:
        return None
    return float(np.max(np.abs(claimed - fine))) / scale
'''

_CHECK = '''

def check_$function(seed=0, points=3):
    """The largest relative error of the derivatives $function returns, against central differences.

    At `points` random inputs of random sizes (see _random_inputs_$function), one
    in two with positive vectors and scalars, skipping those where $function is not
    finite, ill-conditioned (a matrix it inverts nearly singular) or its differences
    unstable.
    """
    rng = np.random.default_rng(seed)
    derivatives = $derivatives  # output: (variable, symmetric)
    errors, problem = [], "not finite"
    for attempt in range(20 * points):
        inputs = _random_inputs_$function(rng, positive=attempt % 2 == 1)
        try:
            with np.errstate(all="ignore"):
                out = $function(**_backend_inputs(inputs))
                if not all(np.all(np.isfinite(np.asarray(v))) for v in out.values()):
                    continue
                if _ill_conditioned($function, inputs, out, rng):
                    problem = "ill-conditioned"
                    continue
                eps = np.finfo(np.asarray(out["f"]).dtype).eps
                found = [
                    _gradient_error($function, inputs, out[key], variable, eps, symmetric)
                    for key, (variable, symmetric) in derivatives.items()
                ]
        except (ArithmeticError, ValueError, RuntimeError) as exc:  # a singular matrix: draw again
            problem = f"{type(exc).__name__}: {exc}"
            continue
        if None in found:
            problem = "unstable differences"
            continue
        errors += found
        if len(errors) >= points * len(derivatives):
            return max(errors)
    raise ValueError(f"no usable random inputs in {20 * points} tries (the last: {problem})")


if __name__ == "__main__":
$setup    try:
        error = check_$function()
    except ValueError as exc:
        print(f"gradient check of $function: not run: {exc}")
        raise SystemExit(2) from None
    verdict = "ok" if error <= $tolerance else "FAILED"
    print(f"gradient check of $function: relative error {error:.1e} ({verdict}, tolerance $tolerance)")
    raise SystemExit(0 if verdict == "ok" else 1)
'''


def _all_names(source: str) -> set[str]:
    """Every name the check's code binds or reads, at any level (``rng``, ``inputs``, ``np`` ...)."""
    names = _top_level_names(source)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _check_block(
    name: str,
    backend: str,
    arrays: Sequence[Symbol],
    outputs: Mapping[str, Symbol],
    param_of: Mapping[str, str],
    products: Products = (),
) -> str:
    """The helpers, ``_random_inputs_<name>``, ``check_<name>`` and the ``__main__`` block.

    The inputs are keyed by parameter (``lambda_`` for the symbol ``lambda``).
    """
    derivatives = {key: (param_of[v.name], v.kind == "symmetric") for key, v in outputs.items()}
    return (
        Template(_HELPERS).substitute(function=name, convert=_CONVERT[backend])
        + _random_inputs(name, arrays, param_of, products)
        + Template(_CHECK).substitute(
            function=name, derivatives=derivatives, setup=_SETUP.get(backend, ""), tolerance=TOLERANCE
        )
    )


def _random_inputs(
    name: str, arrays: Sequence[Symbol], param_of: Mapping[str, str], products: Products = ()
) -> str:
    """The source of ``_random_inputs_<name>(rng, positive)``: one line per symbol.

    Each axis of a Kronecker product or vec (``products``) is sized as the product
    of its parts; where two such products must agree (``tr(kron(X, X))``), all their
    parts take one size.
    """
    dims = tuple(dict.fromkeys(repr(d) for s in arrays for d in s.shape))
    lines = [
        "",
        "",
        f"def _random_inputs_{name}(rng, positive=False):",
        f'    """Random inputs for {name}: each dimension a size from 2 to 5.',
        "",
        "    Square matrices are 3*I plus noise (well conditioned), symmetric ones symmetric;",
        "    with positive=True, vectors and scalars have positive entries (for log, sqrt, ...).",
        '    """',
        f"    n = {{dim: int(rng.integers(2, 6)) for dim in {dims!r}}}",
    ]
    if products:
        lines += [
            f"    products = {products!r}  # axes of Kronecker products and vec, and their parts",
            "    for attempt in range(2):",
            "        if attempt:  # products that must agree: one size for all their parts",
            "            k = min(n[p] for _, parts in products for p in parts)",
            "            n.update({p: k for _, parts in products for p in parts})",
            "        sizes = [(whole, int(np.prod([n[p] for p in parts]))) for whole, parts in products]",
            "        if all(dict(sizes)[whole] == size for whole, size in sizes):",
            "            n.update(sizes)",
            "            break",
        ]
    lines += [
        "    inputs = {}",
    ]
    for s in arrays:
        lines += [f"    {line}" for line in _draw(s, param_of[s.name])]
    lines += [
        "    if positive:",
        "        inputs = {k: np.abs(v) if np.ndim(v) < 2 else v for k, v in inputs.items()}",
        "    return inputs",
    ]
    return "\n".join(lines) + "\n"


def _draw(s: Symbol, param: str) -> list[str]:
    """Statements that set ``inputs[<name>]`` to a random value of the symbol's kind and shape."""
    target = f"inputs[{param!r}]"
    sizes = [_size(d) for d in s.shape]
    if not sizes:
        return [f"{target} = float(rng.standard_normal())"]
    if len(sizes) == 2 and s.shape[0] == s.shape[1]:
        k = sizes[0]
        noise = f"0.5 * rng.standard_normal(({k}, {k}))"
        if s.kind == "symmetric":
            return [f"noise = {noise}", f"{target} = 3 * np.eye({k}) + (noise + noise.T) / 2"]
        return [f"{target} = 3 * np.eye({k}) + {noise}"]
    shape = f"({sizes[0]},)" if len(sizes) == 1 else f"({', '.join(sizes)})"
    return [f"{target} = rng.standard_normal({shape})"]


def _size(d: Dim) -> str:
    return f"n[{repr(d)!r}]"
