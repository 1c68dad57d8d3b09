#!/usr/bin/env bash
# The rename of issue 20: the top-level packages `analysis` and `figures` are installed as
# `popdyn.analysis` and `popdyn.figures` (the folders analysis/ and figures/ keep their place in
# the repository; pyproject.toml's package-dir maps them). This script rewrites the references:
#
#   import analysis[.x] [as y]        -> import popdyn.analysis[.x] [as y]
#   from analysis[.x] import ...      -> from popdyn.analysis[.x] import ...
#   analysis.x (code, docstrings, Markdown, strings naming a module)  -> popdyn.analysis.x
#   `analysis` / ``analysis`` (the package named in backticks)       -> `popdyn.analysis`
#   .. automodule:: analysis          -> .. automodule:: popdyn.analysis
#
# and the same for `figures`. It leaves alone the word in prose ("the analysis"), paths
# (analysis/metallic.py, docs/figures/, --out docs/figures), the command `popdyn figures`,
# `make figures`, figure names and relative imports (from . import figures, from .growth import).
# Idempotent: a second run changes nothing (popdyn.analysis is never matched again, since the
# name is then preceded by a dot). Run it from the repository root; re-run it after merging a
# branch written against the old names.
set -euo pipefail
cd "$(dirname "$0")/.."

files() {
    {
        find popdyn analysis figures tests docs -type f \( -name '*.py' -o -name '*.md' -o -name '*.rst' \
            -o -name '*.ipynb' -o -name '*.j2' -o -name '*.txt' -o -name '*.cfg' -o -name '*.toml' \) \
            -not -path 'docs/_build/*' -not -path '*/__pycache__/*' -not -path '*/.ipynb_checkpoints/*'
        printf '%s\n' README.md Makefile CHANGELOG.md
    } | grep -v '^tools/' | sort -u
}

# (^|[^.\w/#-]) keeps out dotted names (popdyn.analysis, popdyn.cli.figures), paths (docs/figures,
# tests/analysis), anchors (#figures) and options (--figures); the negative look-ahead keeps out
# file names (figures.md, analysis.py).
PRE='(^|[^.\w\/#-])'
NAME='(analysis|figures)'
EXT='(?!(?:py|md|png|pdf|svg|html|json|jsonl|csv|parquet|txt|j2|rst|ipynb)\b)'

files | while IFS= read -r f; do
    [ -f "$f" ] || continue
    case "$f" in
        *.py)  # code: import statements at the start of a line, then dotted module references
            perl -0777 -pi -e '
                s/^([ \t]*)import '"$NAME"'((?:\.\w+)*)(?=[ \t]+as\b|[ \t]*(?:#|$))/$1import popdyn.$2$3/mg;
                s/^([ \t]*)from '"$NAME"'((?:\.\w+)*)([ \t]+import\b)/$1from popdyn.$2$3$4/mg;
                s/'"$PRE$NAME"'\.'"$EXT"'([A-Za-z_]\w*)/$1popdyn.$2.$3/g;
                s/(``?)'"$NAME"'(``?)/$1popdyn.$2$3/g;
                s/PackageLoader\("'"$NAME"'"/PackageLoader("popdyn.$1"/g;
            ' "$f" ;;
        *)  # Markdown, Makefile, text: imports anywhere in a line (code blocks, `import analysis`)
            perl -0777 -pi -e '
                s/(^|[\s`>])import '"$NAME"'((?:\.\w+)*)(?![\w.\/-])/$1import popdyn.$2$3/mg;
                s/(^|[\s`>])from '"$NAME"'((?:\.\w+)*)([ \t]+import\b)/$1from popdyn.$2$3$4/mg;
                s/'"$PRE$NAME"'\.'"$EXT"'([A-Za-z_]\w*)/$1popdyn.$2.$3/g;
                s/(``?)'"$NAME"'(``?)/$1popdyn.$2$3/g;
                s/(::[ \t]+)'"$NAME"'[ \t]*$/$1popdyn.$2/mg;
            ' "$f" ;;
    esac
done
