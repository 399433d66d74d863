#!/usr/bin/env python3
"""Renders docs/sdk-models/models.json (the native SDK models' required fields, which
tests/integration/sdk_models.rs decodes fcmock's answers against) as the Markdown tables of
docs/sdk-models/README.md, so the table people read is the one the tests use.

Usage: scripts/sdk_models_table.py [--check]   (--check exits 1 when README.md is stale)."""
import json, os, sys

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "sdk-models")


def render(table):
    out = [
        "# What the native SDKs require of fcmock's client-side answers",
        "",
        "Generated from [`models.json`](models.json) by `scripts/sdk_models_table.py`; "
        "`tests/integration/sdk_models.rs` decodes every client-side answer against it.",
        "",
        table["about"],
        "",
    ]
    titles = {"android": "Android", "ios": "iOS", "dart": "Dart (flutter_stripe)"}
    for platform in ("android", "ios", "dart"):
        out += [f"## {titles[platform]}", "", table[platform]["sdk"], ""]
        for name, model in table[platform]["models"].items():
            out += [f"### {name}", "", f"`{model['file']}` — {model['source']}", "",
                    "| field | presence | type |", "|---|---|---|"]
            for field, (presence, kind) in model["fields"].items():
                shown = kind.replace("|", " \\| ")
                out.append(f"| `{field}` | {presence} | `{shown}` |")
            out.append("")
    return "\n".join(out)


def main():
    with open(os.path.join(DIR, "models.json")) as f:
        text = render(json.load(f))
    path = os.path.join(DIR, "README.md")
    if "--check" in sys.argv:
        current = open(path).read() if os.path.exists(path) else ""
        if current != text:
            print(f"{path} is stale: run scripts/sdk_models_table.py", file=sys.stderr)
            return 1
        return 0
    with open(path, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
