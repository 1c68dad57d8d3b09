"""The one numba decorator of the package.

Every kernel is compiled with the same options so that caching and floating-point
semantics are uniform: ``cache=True`` keeps compilation off the second and later runs,
``error_model="numpy"`` lets a division by zero give ``inf`` instead of raising (and
removes a branch from every division in the hot loops), and ``fastmath`` stays off so
that results do not depend on the order the compiler chooses for reductions.
"""

from functools import partial

import numba

njit = partial(numba.njit, cache=True, nogil=True, error_model="numpy")
prange = numba.prange
