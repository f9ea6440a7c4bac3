"""Exports: FinOps FOCUS 1.2 usage rows, one per hour x resource x tag set.

Field names are FOCUS's own column names (custom columns start with `x_`), so a row reads as
the FOCUS specification does.
"""

from __future__ import annotations

from client.models.wire import DecimalText, Money, Timestamp, Window, Wire


class FocusRow(Wire):
    BilledCost: Money
    EffectiveCost: Money
    ListCost: Money
    ContractedCost: Money
    BillingAccountId: str
    BillingAccountName: str
    BillingCurrency: str
    BillingPeriodStart: Timestamp
    BillingPeriodEnd: Timestamp
    ChargePeriodStart: Timestamp
    ChargePeriodEnd: Timestamp
    ChargeCategory: str
    ChargeClass: str | None
    ChargeDescription: str
    ChargeFrequency: str
    ServiceCategory: str
    ServiceSubcategory: str
    ServiceName: str
    ProviderName: str
    PublisherName: str
    InvoiceIssuerName: str
    InvoiceId: str | None
    ResourceId: str
    ResourceName: str
    ResourceType: str
    SkuId: str | None
    SkuPriceId: str | None
    ConsumedQuantity: DecimalText
    ConsumedUnit: str
    PricingQuantity: DecimalText
    PricingUnit: str
    Tags: str  # a JSON object of the attribution values
    x_CostKind: str  # api, gpu-allocated or gpu-idle
    x_Model: str | None
    x_CatalogVersion: str
    x_PriceSource: str
    x_RequestCount: int
    x_UnpricedCalls: int
    x_InputTokens: int
    x_OutputTokens: int
    x_IdleCost: Money | None


class FocusExport(Window):
    """GET /api/v1/export/focus: the rows of the whole hours covering the asked period."""

    columns: list[str]  # FOCUS column order
    rows: list[FocusRow]
