"""Parses every resource quantity in Kubernetes manifests with the Kubernetes
Python client's own parser (an implementation independent of kokuc).

Usage: check_quantities.py FILE...   Prints the number of quantities checked;
exits 1 listing every value the parser rejects.
"""
import sys

import yaml
from kubernetes.utils.quantity import parse_quantity

QUANTITY_MAPS = {"requests", "limits", "hard", "default", "defaultRequest", "max", "min", "capacity"}


def walk(node, path, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in QUANTITY_MAPS and isinstance(value, dict):
                for name, quantity in value.items():
                    found.append((f"{path}.{key}.{name}", quantity))
            else:
                walk(value, f"{path}.{key}", found)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            walk(item, f"{path}[{i}]", found)


def main(files):
    found, bad = [], []
    for name in files:
        with open(name, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    walk(doc, f"{name}:{doc.get('kind')}/{doc.get('metadata', {}).get('name')}", found)
    for where, value in found:
        try:
            if not isinstance(value, str):
                raise ValueError("not a string")
            parse_quantity(value)
        except Exception as e:  # noqa: BLE001 - report every rejection
            bad.append(f"{where} = {value!r}: {e}")
    print(len(found))
    for line in bad:
        print(line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
