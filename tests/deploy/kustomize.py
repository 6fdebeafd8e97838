"""The part of kustomize deploy/kubernetes uses, rendered here so its tests need no kubectl (no
registry this project installs from carries one): `resources`, `labels` (on each object's
metadata), `images` (a new tag or name for a container image) and `configMapGenerator`
literals (a ConfigMap named with a hash of its content, and the references to it renamed, so a
change rolls the pods). Anything else in the kustomization is refused, so a new feature used
there fails the tests until it is rendered here too."""

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

KNOWN = {"apiVersion", "kind", "labels", "resources", "images", "configMapGenerator"}


def _image(image: str, images: list[dict[str, str]]) -> str:
    name, _, tag = image.partition(":")
    for rule in images:
        if rule["name"] == name:
            return f"{rule.get('newName', name)}:{rule.get('newTag', tag or 'latest')}"
    return image


def _generated(spec: dict[str, Any]) -> dict[str, Any]:
    data = dict(line.split("=", 1) for line in spec.get("literals", []))
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{spec['name']}-{digest}"}, "data": data}


def _rename(node: Any, names: dict[str, str], images: list[dict[str, str]]) -> Any:
    """References to generated ConfigMaps renamed, images retagged, everywhere in an object."""
    if isinstance(node, list):
        return [_rename(item, names, images) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _rename(value, names, images) for key, value in node.items()}
    for key in ("configMapRef", "configMapKeyRef", "configMap"):
        if isinstance(out.get(key), dict) and out[key].get("name") in names:
            out[key] = out[key] | {"name": names[out[key]["name"]]}
    if isinstance(out.get("image"), str):
        out["image"] = _image(out["image"], images)
    return out


def render(folder: Path) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize folder` makes, for the features listed above."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KNOWN
    assert not unknown, f"kustomization features these tests do not render: {sorted(unknown)}"
    images = kustomization.get("images", [])
    specs = kustomization.get("configMapGenerator", [])
    generated = [_generated(spec) for spec in specs]
    names = {spec["name"]: made["metadata"]["name"] for spec, made in zip(specs, generated, strict=True)}
    labels: dict[str, str] = {}
    for rule in kustomization.get("labels", []):
        assert set(rule) == {"pairs"}, f"labels options these tests do not render: {rule}"
        labels |= rule["pairs"]
    objects: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        objects += [o for o in yaml.safe_load_all((folder / resource).read_text()) if o]
    rendered = [_rename(o, names, images) for o in objects] + generated
    for obj in rendered:
        meta = obj.setdefault("metadata", {})
        meta["labels"] = meta.get("labels", {}) | labels
    return rendered
