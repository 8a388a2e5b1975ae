#!/usr/bin/env python3
"""Independent checks of specs written by nvrunc (used by cdi_files_test).

  check_specs.py schema SCHEMA_DIR FILE.json...   each file validates against the CDI JSON schema
  check_specs.py yaml FILE.yaml FILE.json...      pairs: PyYAML (a YAML 1.1 reader) reads the YAML
                                                  file as the same document as the JSON file

Exit 0 when all pass, 1 with one line per failure, 77 when a needed Python module is missing.
"""
import json
import pathlib
import sys
import warnings

# jsonschema >= 4.18 deprecates RefResolver (the way the schema's README names); it still works.
warnings.simplefilter("ignore", DeprecationWarning)


def check_schema(schema_dir, files):
    try:
        import jsonschema
    except ImportError:
        sys.exit(77)
    schema_dir = pathlib.Path(schema_dir).resolve()
    schema = json.loads((schema_dir / "schema.json").read_text())
    resolver = jsonschema.RefResolver(base_uri=schema_dir.as_uri() + "/", referrer=schema)
    validator = jsonschema.Draft7Validator(schema, resolver=resolver)
    failed = 0
    for name in files:
        for error in validator.iter_errors(json.loads(pathlib.Path(name).read_text())):
            print(f"{name}: {list(error.absolute_path)}: {error.message}")
            failed += 1
    return failed


def check_yaml(files):
    try:
        import yaml
    except ImportError:
        sys.exit(77)
    failed = 0
    for yaml_name, json_name in zip(files[0::2], files[1::2]):
        with open(yaml_name, encoding="utf-8") as f:
            from_yaml = yaml.safe_load(f)
        from_json = json.loads(pathlib.Path(json_name).read_text(encoding="utf-8"))
        if from_yaml != from_json:
            print(f"{yaml_name}: PyYAML reads {from_yaml!r}, JSON has {from_json!r}")
            failed += 1
    return failed


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    failed = check_schema(args[0], args[1:]) if mode == "schema" else check_yaml(args)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
