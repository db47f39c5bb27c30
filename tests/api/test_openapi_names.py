"""Every schema of the API has its own name: django-ninja files schemas in the OpenAPI
document by class name, so two modules' classes of one name would make one endpoint
document the other's fields."""

import importlib
import inspect
import pkgutil

from ninja import Schema

import peerloop


def test_schema_class_names_are_unique_across_modules():
    seen: dict[str, str] = {}
    clashes = []
    for module_info in pkgutil.walk_packages(peerloop.__path__, "peerloop."):
        if not module_info.name.endswith(".api"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Schema) and value.__module__ == module.__name__:
                if name in seen and seen[name] != module.__name__:
                    clashes.append(f"{name}: {seen[name]} and {module.__name__}")
                seen.setdefault(name, module.__name__)
    assert clashes == []
    assert len(seen) > 20
