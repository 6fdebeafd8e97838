"""Pipeline documents: YAML steps, each a task for an agent, validated with line-numbered errors.

`parse` reads a document (the guide's `workflow:` form, `pipeline:`, or bare) into a
`PipelineSpec`; `digest` is the content hash a stored version and a run pin; `builtin` gives the
documents shipped with the product (`code-review`); `render` fills a task's `${…}`.
"""

from paperclip.pipelines.builtin import BUILTINS, builtin_text
from paperclip.pipelines.document import WRAPPERS, digest, parse
from paperclip.pipelines.errors import PipelineInvalid, PipelineProblem
from paperclip.pipelines.references import MalformedReference, Reference, ReferenceKind, references, render

__all__ = [
    "BUILTINS",
    "WRAPPERS",
    "MalformedReference",
    "PipelineInvalid",
    "PipelineProblem",
    "Reference",
    "ReferenceKind",
    "builtin_text",
    "digest",
    "parse",
    "references",
    "render",
]
