"""The client against openapi/openapi.json, generically: every operation, parameter, request body
field and media type, and every event type has its counterpart in the client, and the generated
types (trainyard/_schema.py) are current. Nothing here names an operation or a field: a new one
in the document fails a test until the client has it."""
import importlib.util
import inspect
import typing
import unittest

from _support import PACKAGE_ROOT, load_spec

import trainyard
from trainyard import _schema
from trainyard.client import Client, Datasets, Jobs, Tokens
from trainyard.events import EVENT_TYPES

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def client_operations():
    """Every method marked with @operation, by (METHOD, path)."""
    found = {}
    for cls in (Client, Jobs, Datasets, Tokens):
        for name, fn in inspect.getmembers(cls, inspect.isfunction):
            op = getattr(fn, "__trainyard_operation__", None)
            if op is not None:
                key = (op.method, op.path)
                assert key not in found, "two client methods for %s %s" % key
                found[key] = (fn, op)
    return found


def python_name(name):
    return name.replace("-", "_").lower()


def resolve(spec, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


class SpecCoverage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.spec = load_spec()
        cls.ops = client_operations()
        cls.hints = {}

    def spec_operations(self):
        for path, item in self.spec["paths"].items():
            for method, op in item.items():
                if method in METHODS:
                    yield method.upper(), path, op

    def test_generated_types_are_current(self):
        path = PACKAGE_ROOT / "scripts" / "generate_schema.py"
        spec = importlib.util.spec_from_file_location("generate_schema", path)
        generator = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(generator)
        current = (PACKAGE_ROOT / "trainyard" / "_schema.py").read_text(encoding="utf-8")
        self.assertTrue(generator.render(self.spec) == current, "trainyard/_schema.py is stale: run `npm run sdk`")

    def test_every_component_schema_has_a_type_with_its_fields(self):
        for name, schema in self.spec["components"]["schemas"].items():
            with self.subTest(schema=name):
                self.assertTrue(hasattr(_schema, name), "no type %s in trainyard._schema" % name)
                if schema.get("properties"):
                    fields = set(typing.get_type_hints(getattr(_schema, name)))
                    self.assertEqual(fields, set(schema["properties"]))

    def test_every_operation_has_a_client_method(self):
        missing = ["%s %s" % (m, p) for m, p, _ in self.spec_operations() if (m, p) not in self.ops]
        self.assertEqual(missing, [], "operations without a client method")
        stale = sorted("%s %s" % key for key in self.ops if key[1] not in self.spec["paths"] or key[0].lower() not in self.spec["paths"][key[1]])
        self.assertEqual(stale, [], "client methods for operations the API does not have")

    def test_every_parameter_is_a_method_argument(self):
        for method, path, op in self.spec_operations():
            if (method, path) not in self.ops:
                continue  # reported by test_every_operation_has_a_client_method
            fn, meta = self.ops[(method, path)]
            signature = inspect.signature(fn)
            hints = typing.get_type_hints(fn)
            for param in op.get("parameters", []):
                name = param["name"]
                with self.subTest(operation="%s %s" % (method, path), parameter=name):
                    if name in meta.omitted:
                        continue
                    py = python_name(name)
                    self.assertIn(py, signature.parameters, "%s %s: no argument for %s (%s)" % (method, path, name, param["in"]))
                    values = param.get("schema", {}).get("enum")
                    hint = hints.get(py)
                    literal = [a for a in typing.get_args(hint) if typing.get_origin(a) is typing.Literal] if hint is not None else []
                    if typing.get_origin(hint) is typing.Literal:
                        literal = [hint]
                    if values and literal:
                        self.assertLessEqual(set(values), set(typing.get_args(literal[0])), "%s: values of %s" % (path, py))
            for name in meta.omitted:
                self.assertIn(name, [p["name"] for p in op.get("parameters", [])], "%s %s omits %s, which it does not have" % (method, path, name))

    def test_every_request_body_field_and_media_type_is_covered(self):
        for method, path, op in self.spec_operations():
            body = op.get("requestBody")
            if body is None or (method, path) not in self.ops:
                continue
            fn, meta = self.ops[(method, path)]
            signature = inspect.signature(fn)
            for media, content in body.get("content", {}).items():
                with self.subTest(operation="%s %s" % (method, path), media=media):
                    self.assertIn(media, meta.content_types, "%s %s cannot send %s" % (method, path, media))
                    schema = resolve(self.spec, content.get("schema", {}))
                    if media != "application/json" or meta.body is not None:
                        if meta.body is not None:
                            self.assertIn(meta.body, signature.parameters)
                        continue
                    for field in schema.get("properties", {}):
                        self.assertIn(field, signature.parameters, "%s %s: no argument for body field %s" % (method, path, field))

    def test_every_event_type_has_an_event_class(self):
        for method, path, op in self.spec_operations():
            for response in op.get("responses", {}).values():
                stream = response.get("content", {}).get("text/event-stream")
                if stream is None:
                    continue
                union = resolve(self.spec, stream["schema"])
                for variant in union.get("oneOf", union.get("anyOf", [union])):
                    tag = resolve(self.spec, variant)["properties"]["type"]["const"]
                    with self.subTest(event=tag):
                        self.assertIn(tag, EVENT_TYPES)
                        data = resolve(self.spec, resolve(self.spec, variant)["properties"]["data"])
                        hint = typing.get_type_hints(EVENT_TYPES[tag])["data"]
                        self.assertEqual(set(typing.get_type_hints(hint)), set(data.get("properties", {})))

    def test_the_package_says_which_api_version_it_was_generated_from(self):
        self.assertEqual(trainyard.API_VERSION, self.spec["info"]["version"])


if __name__ == "__main__":
    unittest.main()
