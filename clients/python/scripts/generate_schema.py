#!/usr/bin/env python3
"""Generates trainyard/_schema.py from the service's OpenAPI document (openapi/openapi.json).

Every component schema becomes a TypedDict (inline objects become TypedDicts of their own, named
after where they appear), and the discriminated unions of the job spec (layers, optimizers,
schedulers, losses) become tables of their keyword arguments and defaults, which trainyard.torch
reads. Standard library only; `npm run sdk` runs it after regenerating the TypeScript SDK.

    python3 clients/python/scripts/generate_schema.py [--check] [openapi.json]
"""
import json
import keyword
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SPEC = HERE.parent.parent.parent / "openapi" / "openapi.json"
OUTPUT = HERE.parent / "trainyard" / "_schema.py"

HEADER = '''"""Types of the Trainyard API, generated from openapi/openapi.json: do not edit.

Regenerate with `npm run sdk` (or `python3 clients/python/scripts/generate_schema.py`); the
client's tests fail when this file is stale. Responses are plain dicts typed by these TypedDicts.
"""
# fmt: off
from __future__ import annotations

from typing import Any, Dict, List, Literal, TypedDict, Union

'''


def camel(name):
    parts = re.split(r"[^0-9A-Za-z]+", name)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def stem(name):
    """A name without its Input suffix (types under request schemas carry it at the end)."""
    return name[: -len("Input")] if name.endswith("Input") else name


def singular(name):
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


class Generator:
    def __init__(self, spec):
        self.spec = spec
        self.schemas = spec.get("components", {}).get("schemas", {})
        self.classes = {}  # name -> source text
        self.order = []

    # -- type expressions -------------------------------------------------------------------
    def type_of(self, schema, name, root):
        """A Python type expression for `schema`; inline objects are emitted as TypedDicts named `name`."""
        if not isinstance(schema, dict) or schema == {}:
            return "Any"
        if "$ref" in schema:
            return schema["$ref"].rsplit("/", 1)[-1]
        if "const" in schema:
            return "Literal[%r]" % (schema["const"],)
        if "enum" in schema:
            return "Literal[%s]" % ", ".join(repr(v) for v in schema["enum"])
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self.union([self.variant_type(s, name, root, i) for i, s in enumerate(schema[key])])
        kind = schema.get("type")
        if isinstance(kind, list):
            return self.union([self.type_of(dict(schema, type=k), name, root) for k in kind])
        if kind == "string":
            return "str"
        if kind == "integer":
            return "int"
        if kind == "number":
            return "float"
        if kind == "boolean":
            return "bool"
        if kind == "null":
            return "None"
        if kind == "array":
            if "prefixItems" in schema:
                return "List[%s]" % self.union([self.type_of(s, name, root) for s in schema["prefixItems"]])
            return "List[%s]" % self.type_of(schema.get("items"), self.suffixed(singular(stem(name)), root), root)
        if kind == "object" or "properties" in schema:
            if schema.get("properties"):
                return self.typed_dict(schema, name, root)
            extra = schema.get("additionalProperties")
            value = self.type_of(extra, self.suffixed(stem(name) + "Value", root), root) if isinstance(extra, dict) else "Any"
            return "Dict[str, %s]" % value
        return "Any"

    def variant_type(self, schema, name, root, index):
        # A variant tagged by a `type` constant is named after it: LinearLayer, AdamOptimizer, StepLRScheduler.
        tag = (schema.get("properties") or {}).get("type", {}).get("const") if isinstance(schema, dict) else None
        if isinstance(tag, str):
            kind = self.kind_of(stem(name))
            variant = camel(tag) if camel(tag).endswith(kind) else camel(tag) + kind
            return self.type_of(schema, self.suffixed(variant, root), root)
        return self.type_of(schema, self.suffixed("%s%d" % (stem(name), index), root), root)

    @staticmethod
    def kind_of(name):
        # The last CamelCase word of the field's name: JobCreateModelLayer -> Layer.
        words = re.findall(r"[A-Z][a-z0-9]*", name)
        return words[-1] if words else name

    @staticmethod
    def suffixed(name, root):
        return name + "Input" if root.endswith("Input") and not name.endswith("Input") else name

    @staticmethod
    def union(types):
        unique = []
        for t in types:
            if t not in unique:
                unique.append(t)
        return unique[0] if len(unique) == 1 else "Union[%s]" % ", ".join(unique)

    # -- TypedDicts -------------------------------------------------------------------------
    def typed_dict(self, schema, name, root):
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = []
        for key, sub in props.items():
            annotation = self.type_of(sub, self.suffixed(stem(name) + camel(key), root), root)
            description = sub.get("description") if isinstance(sub, dict) else None
            fields.append((key, annotation, key in required, description))
        description = schema.get("description")
        final, n = name, 2
        # The same name for a different shape gets a number; the same shape is emitted once.
        while final in self.classes and self.classes[final] != self.render(final, description, fields):
            final, n = "%s%d" % (name, n), n + 1
        if final not in self.classes:
            self.classes[final] = self.render(final, description, fields)
            self.order.append(final)
        return final

    @staticmethod
    def render(name, description, fields):
        def lines(items):
            out = []
            for key, annotation, _req, desc in items:
                if desc:
                    out.append("    #: %s" % " ".join(desc.split()))
                out.append("    %s: %s" % (key, annotation))
            return out

        doc = ['    """%s"""' % " ".join(description.split()).replace('"""', "'''")] if description else []
        valid = all(k.isidentifier() and not keyword.iskeyword(k) for k, *_ in fields)
        required = [f for f in fields if f[2]]
        optional = [f for f in fields if not f[2]]
        if not valid:
            entries = ", ".join("%r: %s" % (k, repr(a)) for k, a, *_ in fields)
            return "%s = TypedDict(%r, {%s}, total=False)\n" % (name, name, entries)
        if required and optional:
            base = "_%sBase" % name
            text = "class %s(TypedDict):\n%s\n\n\n" % (base, "\n".join(lines(required)))
            return text + "class %s(%s, total=False):\n%s\n" % (name, base, "\n".join(doc + lines(optional)))
        if required:
            return "class %s(TypedDict):\n%s\n" % (name, "\n".join(doc + lines(required)))
        return "class %s(TypedDict, total=False):\n%s\n" % (name, "\n".join(doc + (lines(optional) or ["    pass"])))

    # -- the job spec's registries ------------------------------------------------------------
    def registry(self, union):
        table = {}
        for variant in (union or {}).get("oneOf", []):
            props = variant.get("properties", {})
            tag = props.get("type", {}).get("const")
            if not isinstance(tag, str):
                continue
            table[tag] = {k: v.get("default", REQUIRED) for k, v in props.items() if k != "type"}
        return table

    def registries(self):
        job = self.schemas.get("JobCreate", {}).get("properties", {})
        # A model's layers are the named LayerSpec component (shared by the Sequential and graph forms).
        layers = self.schemas.get("LayerSpec")
        return {
            "LAYERS": ("layer types", self.registry(layers)),
            "OPTIMIZERS": ("optimizer types", self.registry(job.get("optimizer"))),
            "SCHEDULERS": ("LR scheduler types", self.registry(job.get("scheduler"))),
            "LOSSES": ("loss types", self.registry(job.get("loss"))),
        }

    def generate(self):
        names = {}
        for name, schema in self.schemas.items():
            annotation = self.type_of(schema, name, name)
            if annotation != name:
                names[name] = annotation  # a union or an enum: an alias
        out = [HEADER]
        version = self.spec.get("info", {}).get("version", "")
        out.append("#: The API version of the document these types were generated from.\nAPI_VERSION = %r\n\n" % version)
        for name in self.order:
            out.append("\n" + self.classes[name] + "\n")
        for name, annotation in names.items():
            out.append("\n%s = %s\n" % (name, annotation))
        out.append(
            "\n\nclass _Required:\n    \"\"\"Marks a keyword argument without a default.\"\"\"\n\n"
            "    def __repr__(self) -> str:\n        return \"REQUIRED\"\n\n\n"
            "#: A keyword argument the service requires (it has no default).\nREQUIRED: Any = _Required()\n"
        )
        for table, (what, entries) in self.registries().items():
            out.append("\n#: The service's %s: keyword arguments and their defaults.\n%s: Dict[str, Dict[str, Any]] = {\n" % (what, table))
            for tag, kwargs in entries.items():
                items = ", ".join("%r: %s" % (k, "REQUIRED" if v is REQUIRED else repr(v)) for k, v in kwargs.items())
                out.append("    %r: {%s},\n" % (tag, items))
            out.append("}\n")
        return "".join(out)


REQUIRED = object()


def render(spec):
    return Generator(spec).generate()


def main(argv):
    check = "--check" in argv
    paths = [a for a in argv if not a.startswith("--")]
    spec_path = Path(paths[0]) if paths else DEFAULT_SPEC
    text = render(json.loads(spec_path.read_text(encoding="utf-8")))
    if check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print("%s is stale: run `npm run sdk`" % OUTPUT, file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print("wrote %s" % OUTPUT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
