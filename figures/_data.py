"""The committed study tables that some figures draw (``docs/data``), located and read in one place."""

from pathlib import Path

import pandas as pd

from popdyn.errors import ConfigError

#: The finite-population studies behind docs/transition.md, by lam (``popdyn finite-n ... --table``).
STUDIES = {0.1: "finite_n_lam0.1.parquet", 0.01: "finite_n_lam0.01.parquet", 1e-3: "finite_n_lam1e-3.parquet"}


def data_dir():
    """``docs/data`` of the source tree these modules were loaded from."""
    return Path(__file__).resolve().parents[1] / "docs" / "data"


def study_runs(lam):
    """The per-run rows of the committed finite-population study at ``lam``."""
    path = data_dir() / STUDIES[lam]
    try:
        return pd.read_parquet(path)
    except OSError as exc:
        raise ConfigError(f"cannot read the study table {str(path)!r} ({exc}); it ships with the source tree, "
                          f"or regenerate it with: popdyn finite-n --lam {lam:g} --table {path}") from None


def check_studies(modules):
    """Refuse, before anything is computed, figures whose study tables are missing (``STUDY_TABLES`` of a module)."""
    for module in modules:
        for lam in getattr(module, "STUDY_TABLES", ()):
            path = data_dir() / STUDIES[lam]
            if not path.is_file():
                raise ConfigError(f"figure {module.NAME} draws {str(path)!r}, which is missing; it ships with the "
                                  f"source tree, or regenerate it with: popdyn finite-n --lam {lam:g} --table {path}")
