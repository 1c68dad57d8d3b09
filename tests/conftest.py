import pytest

from popdyn.models import BAATree


@pytest.fixture
def metal():
    """lam = 0.01, T = 3.3: twice the exact Tc, v = 1.8165."""
    return BAATree(lam=0.01, T=3.3)


@pytest.fixture
def insulator():
    """lam = 0.01, T = 1.0: below Tc = 1.649."""
    return BAATree(lam=0.01, T=1.0)
