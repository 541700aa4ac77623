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
dossier_schema = json.loads((root / "dossier.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(dossier_schema)
jsonschema.validate(json.loads((root / "examples/dossier.birth-3in1.json").read_text()), dossier_schema)
validate(yaml.safe_load((root / "openapi.yaml").read_text()), base_uri=(root / "openapi.yaml").as_uri())
print("schemas: config.schema.json, dossier.schema.json and openapi.yaml are valid")
