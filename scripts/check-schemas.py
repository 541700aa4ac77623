#!/usr/bin/env python3
"""Checks the contract files: the JSON Schemas are valid and accept the shipped examples, and
openapi.yaml is a valid OpenAPI 3.1 document."""
import json
import pathlib
import sys

import jsonschema
import yaml
from openapi_spec_validator import validate

root = pathlib.Path(__file__).resolve().parent.parent / "Schemas"
config_schema = json.loads((root / "config.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(config_schema)
jsonschema.validate(json.loads((root / "examples/config.appendix-a.json").read_text()), config_schema)
jsonschema.validate(json.loads((root.parent / "deploy/lienthong.example.json").read_text()), config_schema)
bad = json.loads((root / "examples/config.appendix-a.json").read_text())
bad["agencies"][0]["mode"] = "pushy"
try:
    jsonschema.validate(bad, config_schema)
    sys.exit("config.schema.json accepted a bad mode")
except jsonschema.ValidationError:
    pass
# Dossier schemas: one per procedure (generated from the procedure files; a Swift test checks they are current),
# each accepting its example and refusing it with a section that belongs to an optional task not included.
from referencing import Registry, Resource
registry = Registry()
for path in sorted((root / "dossiers").glob("*.schema.json")):
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    registry = registry.with_resource(f"dossiers/{path.name}", Resource.from_contents(schema))
union = json.loads((root / "dossier.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(union)
union_validator = jsonschema.Draft202012Validator(union, registry=registry)
for example in sorted((root / "examples").glob("dossier.*.json")):
    body = json.loads(example.read_text())
    schema = json.loads((root / "dossiers" / f"{body['procedure']}.schema.json").read_text())
    jsonschema.validate(body, schema, format_checker=jsonschema.FormatChecker())
    union_validator.validate(body)
death = json.loads((root / "examples/dossier.death-bundle.json").read_text())
death["include"] = []
if jsonschema.Draft202012Validator(json.loads((root / "dossiers/death-bundle.schema.json").read_text())).is_valid(death):
    sys.exit("death-bundle.schema.json accepted funeral data without funeral-allowance")
validate(yaml.safe_load((root / "openapi.yaml").read_text()), base_uri=(root / "openapi.yaml").as_uri())
print("schemas: config.schema.json, the dossier schemas (and their examples) and openapi.yaml are valid")
