#!/usr/bin/env python3
"""Cognito's wire keys that no real source knows (run by ./scripts/test).

Every UPPER_SNAKE string the crate (src/, unit tests left out) or the emulator (every .py file of
the package scripts/cognito_emulator/, reported as file:line) uses as a key or value of Cognito's
protocol must appear in one of two references written by others: the AWS SDK's own model of the
Cognito user-pools API (botocore's cognito-idp service-2.json, from the project's .venv) or the
identifiers of a real Cognito client (scripts/wire/amplify-auth-identifiers.txt, from
aws-amplify/amplify-js packages/auth/src). A key found in neither was most likely invented, and the crate would look for it in vain on a real user
pool. Prints each such key with where it is used; exit 1 when there is one.

A key that a public report shows but neither reference holds is listed, one per line with its
source after a '#', in scripts/wire/sourced.txt (e.g. `SOME_KEY  # aws-amplify/amplify-js#1234`).

A copy of the project's shared tool `../shared/tools/wire-check` (same logic, same reference
list), kept in the repository so that CI, which has no ../shared, runs it too. Unlike the shared
tool, which looks for the one file scripts/cognito_emulator.py, it scans the emulator's package.

Usage, from anywhere: python3 scripts/wire_check.py
"""
import glob, gzip, os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
ident = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
literal = re.compile(r"[\"']([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)[\"']")

models = glob.glob(os.path.join(root, ".venv/lib/python*/site-packages/botocore/data/cognito-idp/*/service-2.json*"))
if not models:
    sys.exit("wire-check: no botocore model of cognito-idp in .venv; run ./scripts/test or ./scripts/demo once to install it")
path = sorted(models)[-1]
model = (gzip.open(path, "rt") if path.endswith(".gz") else open(path)).read()
known = set(ident.findall(model))
with open(os.path.join(here, "wire", "amplify-auth-identifiers.txt")) as f:
    known |= {l.strip() for l in f if l.strip() and not l.startswith("#")}
with open(os.path.join(here, "wire", "sourced.txt")) as f:
    for l in f:
        k = l.split("#", 1)[0].strip()
        if k:
            if "#" not in l:
                sys.exit(f"wire-check: {k} is listed without a source")
            known.add(k)

# not protocol: the project's own environment variables and the like
def ours(k):
    return k.startswith(("ROCKET_", "CARGO_", "RUST_", "AWS_", "DEMO_", "EMULATOR_", "COGNITO_EMULATOR", "HTTP_", "REQUEST_", "CONTENT_", "SERVER_", "PATH_", "QUERY_", "WSGI_", "MOTO_"))

found = {}
for p in sorted(glob.glob(os.path.join(root, "src", "**", "*.rs"), recursive=True)):
    text = open(p).read().split("#[cfg(test)]\nmod tests")[0]
    for n, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("//"):
            continue
        for k in literal.findall(line):
            if not ours(k):
                found.setdefault(k, []).append(f"{os.path.relpath(p, root)}:{n}")
emulator = sorted(glob.glob(os.path.join(root, "scripts", "cognito_emulator", "*.py")))
if not emulator:
    sys.exit("wire-check: no scripts/cognito_emulator/*.py: the emulator's files moved; update this scan")
for p in emulator:
    for n, line in enumerate(open(p), 1):
        if line.lstrip().startswith("#"):
            continue
        for k in literal.findall(line):
            if not ours(k):
                found.setdefault(k, []).append(f"{os.path.relpath(p, root)}:{n}")
unknown = {k: v for k, v in found.items() if k not in known}
for k, where in sorted(unknown.items()):
    print(f"{k}: in no reference; used at {', '.join(where[:4])}{' ...' if len(where) > 4 else ''}")
print(f"{len(found)} wire keys used, {len(unknown)} found in neither the AWS SDK's model nor a real client ({os.path.relpath(path, root)})")
sys.exit(1 if unknown else 0)
