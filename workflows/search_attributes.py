"""Custom search attributes supervisors filter orders by in the Temporal UI. None of them is personal data."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

ORDER_STAGE = SearchAttributeKey.for_keyword("OrderStage")
AGENCY_ID = SearchAttributeKey.for_keyword("AgencyId")
SERVICE_CATEGORY = SearchAttributeKey.for_keyword("ServiceCategory")
CITY = SearchAttributeKey.for_keyword("City")

ALL = (ORDER_STAGE, AGENCY_ID, SERVICE_CATEGORY, CITY)


def cli_flags() -> list[str]:
    """`--search-attribute Name=Keyword` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}=Keyword"]
    return flags
