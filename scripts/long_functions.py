#!/usr/bin/env python3
"""Lists functions in src/ longer than 60 lines (docs/architecture.md: handlers and stages
are short). A `const`/`static` table is not a function and is not counted; test modules
are skipped. Usage: scripts/long_functions.py [--check] (exit 1 if any)."""
import os, re, sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
LIMIT = 60
FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?fn\s+(\w+)")

def functions(path):
    lines = open(path).read().split("\n")
    in_tests = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"\s*#\[cfg\(test\)\]", line):
            in_tests = True
        m = FN.match(line)
        if m and not in_tests:
            depth, j, opened = 0, i, False
            while j < len(lines):
                code = re.sub(r"'(\\.|[^'\\])'", "''", lines[j])
                code = re.sub(r'"(\\.|[^"\\])*"', '""', code).split("//")[0]
                depth += code.count("{") - code.count("}")
                opened = opened or "{" in code
                if opened and depth <= 0:
                    break
                if not opened and code.rstrip().endswith(";"):
                    break
                j += 1
            yield m.group(5), i + 1, j - i + 1
            i = j
        i += 1

long = []
for root, _, names in os.walk(SRC):
    for n in sorted(names):
        if n.endswith(".rs"):
            p = os.path.join(root, n)
            for name, line, length in functions(p):
                if length > LIMIT:
                    long.append((length, os.path.relpath(p, SRC), line, name))
for length, path, line, name in sorted(long, reverse=True):
    print(f"{length:4} lines  src/{path}:{line}  {name}")
print(f"{len(long)} functions over {LIMIT} lines")
if "--check" in sys.argv and long:
    sys.exit(1)
