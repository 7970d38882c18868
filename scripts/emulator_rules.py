#!/usr/bin/env python3
"""The emulator's rules, in its code and in CONTRIBUTING.md, held together.

Each rule the emulator applies (scripts/cognito_emulator/, where moto differs from Cognito) has a
short stable id, written in the code beside the rule's source comment, as a comment line

    # rule srp-proof: SRP really proves the password ...

and at the end of the rule's bullet in CONTRIBUTING.md's "## The emulator" section, in square
brackets: `... (test ...); [srp-proof]`. A bullet may hold several ids; an id is in one place of
the code and one bullet only.

Usage, from anywhere:
  python3 scripts/emulator_rules.py --check   exit 1, listing the differences, when an id is in
                                              the code and not in CONTRIBUTING.md or the other
                                              way round, or is given twice in either
  python3 scripts/emulator_rules.py --list    every id with where it is in the code
"""
import glob
import os
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
CODE = os.path.join(here, "cognito_emulator")
DOC = os.path.join(root, "CONTRIBUTING.md")
SECTION = "## The emulator"

# `# rule <id>: ...` on a line of its own; in CONTRIBUTING.md an id is `[<id>]` not followed by
# `(` (a Markdown link's text is not an id).
CODE_ID = re.compile(r"^\s*#\s*rule\s+([a-z0-9]+(?:-[a-z0-9]+)*)\s*:")
DOC_ID = re.compile(r"\[([a-z0-9]+(?:-[a-z0-9]+)*)\](?!\()")


def code_ids():
    """id -> [file:line, ...] over every .py file of the emulator package."""
    found = {}
    for path in sorted(glob.glob(os.path.join(CODE, "*.py"))):
        with open(path) as f:
            for n, line in enumerate(f, 1):
                m = CODE_ID.match(line)
                if m:
                    found.setdefault(m.group(1), []).append("%s:%d" % (os.path.relpath(path, root), n))
    return found


def doc_ids():
    """id -> [CONTRIBUTING.md:line of its bullet, ...] over the emulator section's bullets."""
    with open(DOC) as f:
        lines = f.read().split("\n")
    try:
        start = next(i for i, l in enumerate(lines) if l.strip() == SECTION)
    except StopIteration:
        sys.exit("emulator_rules: CONTRIBUTING.md has no %r section" % SECTION)
    found, bullet = {}, None
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith("## "):
            break
        if line.startswith("- "):
            bullet = i + 1
        elif not line.strip() or not line.startswith(" "):
            bullet = None
        if bullet is None:
            continue
        for rule in DOC_ID.findall(line):
            found.setdefault(rule, []).append("CONTRIBUTING.md:%d" % bullet)
    return found


def main():
    code, doc = code_ids(), doc_ids()
    if "--list" in sys.argv:
        for rule in sorted(code):
            print("%-28s %s" % (rule, ", ".join(code[rule])))
        return 0
    if "--check" not in sys.argv:
        print(__doc__.strip())
        return 2
    problems = []
    for rule in sorted(set(code) - set(doc)):
        problems.append("%s: in the code (%s) and in no bullet of CONTRIBUTING.md's emulator section"
                        % (rule, ", ".join(code[rule])))
    for rule in sorted(set(doc) - set(code)):
        problems.append("%s: in CONTRIBUTING.md (%s) and nowhere in scripts/cognito_emulator/"
                        % (rule, ", ".join(doc[rule])))
    for rule in sorted(r for r, where in code.items() if len(where) > 1):
        problems.append("%s: given twice in the code (%s)" % (rule, ", ".join(code[rule])))
    for rule in sorted(r for r, where in doc.items() if len(where) > 1):
        problems.append("%s: given twice in CONTRIBUTING.md (%s)" % (rule, ", ".join(doc[rule])))
    for p in problems:
        print(p)
    if problems:
        print("emulator_rules: %d difference(s) between the code's rule ids and CONTRIBUTING.md's" % len(problems))
        return 1
    print("%d rules, each in the code and in CONTRIBUTING.md" % len(code))
    return 0


if __name__ == "__main__":
    sys.exit(main())
