"""`CompanyWorkflow` is its parts put together on one core: each part leans only on `CompanyCore`
and itself, no two define the same name, so the order of the bases changes nothing."""

import ast
import inspect
import itertools
from pathlib import Path

import pytest

from workflows.company import CompanyWorkflow
from workflows.company.core import CompanyCore

PARTS = [base for base in CompanyWorkflow.__bases__ if base is not CompanyCore]
CORE_FILE = Path(inspect.getfile(CompanyCore))


def own_names(cls: type) -> set[str]:
    """What a class body defines (methods, handlers, constants), dunders and the SDK's markers aside."""
    return {name for name in vars(cls) if not name.startswith("__")}


def self_attributes(tree: ast.AST) -> set[str]:
    """Every `self.<name>` a piece of code reads, calls or assigns."""
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
    }


def class_tree(cls: type) -> ast.ClassDef:
    module = ast.parse(Path(inspect.getfile(cls)).read_text())
    return next(n for n in module.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)


def test_the_workflow_is_its_parts_each_on_the_core() -> None:
    assert sorted(p.__name__ for p in PARTS) == [
        "ApprovalsPart",
        "BudgetsPart",
        "DependenciesPart",
        "DispatchPart",
        "GoalsPart",
        "GovernancePart",
        "HeartbeatsPart",
        "NotifyPart",
        "PipelinesPart",
        "ProjectsPart",
    ]
    assert all(part.__bases__ == (CompanyCore,) for part in PARTS)


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations([CompanyCore, *PARTS, CompanyWorkflow], 2)))
def test_no_two_pieces_define_the_same_name(a: type, b: type) -> None:
    """A name in two pieces would be a stand-in for the other, resolved by the order of the bases."""
    assert own_names(a) & own_names(b) == set()


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.__name__)
def test_a_part_uses_only_the_core_and_itself(part: type) -> None:
    core = own_names(CompanyCore) | self_attributes(ast.parse(CORE_FILE.read_text()))
    used = self_attributes(class_tree(part))
    assert used - core - own_names(part) == set()


def test_the_order_of_the_parts_does_not_change_what_a_name_means() -> None:
    flipped = type("Flipped", tuple(reversed(PARTS)), {})
    for name in set().union(*(own_names(p) for p in [CompanyCore, *PARTS])):
        assert getattr(flipped, name) is getattr(CompanyWorkflow, name), name
