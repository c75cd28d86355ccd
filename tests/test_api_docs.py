"""The committed operator reference (docs/api) is exactly what the registry renders today."""
import os

from pysym import _jvm

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "api")


def test_api_docs_match_the_registry():
    pages = {str(k): str(v) for k, v in _jvm.jpype.JClass("org.pysym.codegen.ApiDocGenerator").render().items()}
    assert sorted(pages) == sorted(os.listdir(DOCS)), "regenerate with: gradle -q apiDocs"
    for name, text in pages.items():
        with open(os.path.join(DOCS, name), encoding="utf-8") as f:
            assert f.read() == text, f"docs/api/{name} is out of date: regenerate with gradle -q apiDocs"


def test_every_public_operator_is_documented():
    text = "".join(open(os.path.join(DOCS, n), encoding="utf-8").read() for n in os.listdir(DOCS))
    for op in _jvm.JOpRegistry.all():
        if op.isPublic():
            assert f"\n## {op.name}\n" in text, str(op.name)
