"""The OpenAPI document, generated from the routes and the marshmallow schemas the handlers use."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import make_schema_key, resolve_schema_instance
from flask import Flask
from marshmallow import Schema, fields
from werkzeug.wrappers import Response

from collector import __version__
from collector.schemas import Unique, Variants

_PATH_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "code", "message", "request_id"],
            "properties": {
                "type": {"type": "string"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "param": {"type": "string"},
                "request_id": {"type": "string"},
            },
        }
    },
}


#: A character of any input string: not NUL. The door (``collector.api.body``) also refuses a lone
#: surrogate, which a JSON Schema pattern cannot portably say (it is not a Unicode character).
STORABLE_TEXT = r"[^\u0000]"


def doc(
    summary: str,
    *,
    body: Schema | None = None,
    query: Schema | None = None,
    response: Schema | None = None,
    status: int = 200,
    also: tuple[int, ...] = (),
    content_type: str = "application/json",
    body_types: tuple[str, ...] = ("application/json",),
    tag: str | None = None,
    auth: str = "secret_key",
    refusals: tuple[Refusal, ...] = (),
):
    """Describe a view for the OpenAPI document; the schemas are the ones the view validates with.

    A JSON view is also answered through this declaration (microblog-api's ``@response``): it
    returns the object to send, optionally with a status and headers, and ``response`` dumps it,
    so no answer holds a field the document does not state; a status the document does not list
    is a programming error. A 204 view returns nothing."""
    statuses = (status, *also)
    if content_type == "application/json" and (response is None) != (statuses == (204,)):
        raise TypeError(f"{summary!r}: a JSON answer needs its schema; a 204 has none")

    def mark(view):
        if content_type == "application/json":
            view = _answered(view, response, statuses)
        view.__openapi__ = {
            "summary": summary,
            "body": body,
            "query": query,
            "response": response,
            "status": status,
            "also": also,
            "content_type": content_type,
            "body_types": body_types,
            "tag": tag,
            "auth": auth,
            "refusals": refusals,
        }
        return view

    return mark


def _answered(view, schema: Schema | None, statuses: tuple[int, ...]):
    @functools.wraps(view)
    def answer(*args, **kwargs):
        result = view(*args, **kwargs)
        if isinstance(result, Response):
            raise TypeError(f"{view.__qualname__} answered around its schema")
        value, status, headers = (
            (*result, {}, {})[:3]
            if isinstance(result, tuple)
            else (
                result,
                statuses[0],
                {},
            )
        )
        if status not in statuses:
            raise TypeError(f"{view.__qualname__} answered {status}, which it does not document")
        if schema is None:
            return "", status, headers
        return schema.dump(value), status, headers

    return answer


@dataclass(frozen=True)
class Refusal:
    """An error a request that fits the schemas may still get, because the rule depends on
    stored objects or on the world (whether a host resolves, whether Slack answers). Listed in
    the document under its status, with ``x-refusals: [{code, param}]`` for tools."""

    status: int
    code: str
    param: str | None
    why: str


def _refusals(found: tuple[Refusal, ...], error: dict) -> dict:
    by_status: dict[str, dict] = {}
    for refusal in found:
        answer = by_status.setdefault(str(refusal.status), {**error, "x-refusals": []})
        answer["x-refusals"].append({"code": refusal.code, "param": refusal.param})
    for status, answer in by_status.items():
        whys = [
            f"`{r.code}`" + (f" ({r.param})" if r.param else "") + f" {r.why}"
            for r in found
            if str(r.status) == status
        ]
        answer["description"] = f"Error; for a request the schemas admit: {'; '.join(whys)}."
    return by_status


def _schema_name(schema: Schema | type[Schema]) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = getattr(cls, "openapi_name", None) or cls.__name__
    return name[:-6] if name.endswith("Schema") and len(name) > 6 else name


class _Plugin(MarshmallowPlugin):
    """apispec's marshmallow plugin, plus what our fields and schemas state beyond marshmallow's
    own validators: a field's or schema's ``openapi`` attribute (JSON Schema keywords for a rule
    written in Python, such as "at least one of"), the refused text of every input string, the
    keys of a ``Dict``, ``uniqueItems`` for :class:`~collector.schemas.Unique`, and
    :class:`~collector.schemas.Variants` as ``oneOf`` its variants with a discriminator."""

    def init_spec(self, spec):
        super().init_spec(spec)
        self.converter.add_attribute_function(_field_extras)

    def schema_helper(self, name, _, schema=None, **kwargs):
        cls = schema if isinstance(schema, type) else type(schema)
        if isinstance(cls, type) and issubclass(cls, Variants):
            self.converter.refs[make_schema_key(resolve_schema_instance(schema))] = name
            refs = {
                value: self.converter.resolve_nested_schema(variant)
                for value, variant in cls.variants.items()
            }
            return {
                "oneOf": list(refs.values()),
                "discriminator": {
                    "propertyName": cls.discriminator,
                    "mapping": {value: ref["$ref"] for value, ref in refs.items()},
                },
            }
        json_schema = super().schema_helper(name, _, schema=schema, **kwargs)
        extra = getattr(schema if isinstance(schema, type) else type(schema), "openapi", None)
        if json_schema is not None and extra:
            json_schema.update(extra)
        return json_schema


def _field_extras(self, field, ret=None, **kwargs) -> dict:
    extra = dict(getattr(field, "openapi", None) or {})
    either = getattr(field, "openapi_either", None)
    if either is not None:  # a string or an object (a trigger event)
        plain, nested = either
        extra["oneOf"] = [plain, self.resolve_nested_schema(nested)]
    ret = {**(ret or {}), **extra}
    if isinstance(field, fields.String) and not field.dump_only and "pattern" not in ret:
        low, high = ret.get("minLength", 0), ret.get("maxLength")
        extra["pattern"] = f"^{STORABLE_TEXT}{{{low},{'' if high is None else high}}}$"
    if isinstance(field, fields.List) and any(isinstance(v, Unique) for v in field.validators):
        extra["uniqueItems"] = True
    if isinstance(field, fields.Dict) and field.key_field is not None and not field.dump_only:
        extra["propertyNames"] = self.field2property(field.key_field)
    return extra


def build(app: Flask) -> dict:
    spec = APISpec(
        title="Fiilis collector API",
        version=__version__,
        openapi_version="3.1.0",
        plugins=[_Plugin(schema_name_resolver=_schema_name)],
        info={"description": "CSAT, CES and NPS feedback: the management and browser APIs."},
    )
    spec.components.security_scheme(
        "secret_key", {"type": "http", "scheme": "bearer", "description": "sk_… secret key"}
    )
    spec.components.schema("Error", ERROR)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "__openapi__", None)
        if meta is None:
            continue
        path = _PATH_PARAM.sub(r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, meta, method)
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()


def _operation(rule, meta: dict, method: str) -> dict:
    ok: dict = {"description": "Success"}
    if meta["response"] is not None:
        ok["content"] = {meta["content_type"]: {"schema": meta["response"]}}
    elif meta["content_type"] != "application/json":
        ok["content"] = {meta["content_type"]: {"schema": {"type": "string"}}}
    error = {
        "description": "Error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if meta["content_type"] == "text/html":
        # A page's own failures (an unknown or expired link) are pages too; input refused at the
        # door keeps the JSON shape.
        error["content"]["text/html"] = {"schema": {"type": "string"}}
    op: dict = {
        "summary": meta["summary"],
        "operationId": f"{method.lower()}_{rule.endpoint.replace('.', '_')}",
        "responses": {
            **{str(code): ok for code in (meta["status"], *meta["also"])},
            **_refusals(meta["refusals"], error),
            "default": error,
        },
        "parameters": [
            {"in": "path", "name": arg, "required": True, "schema": {"type": "string"}}
            for arg in sorted(rule.arguments)
        ],
    }
    if meta["tag"]:
        op["tags"] = [meta["tag"]]
    if meta["query"] is not None:
        op["parameters"].append({"in": "query", "schema": meta["query"]})
    if meta["body"] is not None:
        op["requestBody"] = {
            "required": True,
            "content": {media: {"schema": meta["body"]} for media in meta["body_types"]},
        }
    op["security"] = [{"secret_key": []}] if meta["auth"] == "secret_key" else []
    return op
