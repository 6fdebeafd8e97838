import paperclip.store


def test_store_exports() -> None:
    assert sorted(paperclip.store.__all__) == [
        "CostGroup",
        "CostLine",
        "CostSummary",
        "SearchHit",
        "SearchKind",
        "Store",
        "ToolOutputRecord",
        "UnsupportedDatabase",
    ]
