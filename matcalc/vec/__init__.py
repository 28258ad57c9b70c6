r"""The vec form of a first derivative: ``∂vec(f)/∂vec(X)ᵀ`` as a sum of Kronecker products.

The Jacobian of ``f`` (mxn) by ``X`` (pxq) in the form of Magnus and
Neudecker is the (m·n)x(p·q) matrix ``J`` with column-major ``vec``::

    J[i + m·j, k + p·l] = ∂f[i, j] / ∂X[k, l]

A vector counts as one column (``vec`` of a vector, row or column, is the
vector), a scalar as 1x1: the Jacobian of a scalar by a matrix is ``vec(G)ᵀ``
for its gradient ``G``, of a vector by a vector the usual Jacobian matrix.

>>> import matcalc as mc
>>> print(mc.vec_jacobian(mc.parse("W*x"), "W"))
kron(x', I_n)
>>> print(mc.vec_jacobian(mc.parse("A*X*B"), "X").latex())
B^\top \otimes A

`vec_jacobian` builds the form from the index terms of the derivative
(`matcalc.vec.kron`, which places factors into Kronecker slots with
`matcalc.vec.slots`); `VecJacobian` holds it (`matcalc.vec.ir`) and prints
itself with `matcalc.printing.vec`.
"""

from matcalc.vec.dense import commutation_matrix
from matcalc.vec.ir import Chain, Commutation, Kron, KronTerm, Piece, VecJacobian
from matcalc.vec.kron import vec_jacobian

__all__ = [
    "Chain", "Commutation", "Kron", "KronTerm", "Piece", "VecJacobian", "commutation_matrix", "vec_jacobian",
]  # fmt: skip
