"""What the serverless app costs per month, and at what traffic an always-on EC2 instance is cheaper.

Every price lives in `PRICES` (us-east-1, as published on the AWS pricing pages, checked 2026-11),
so updating a number is a one-line change there. Notebooks call `monthly_cost`, `ec2_monthly_cost`,
`break_even_requests` and `cost_curve` instead of doing arithmetic in cells, so every sum is tested.
The model is deliberately small: first-tier prices only (a warning says when traffic passes a
tier), no taxes, no Savings Plans. Sizes are binary: 1 KB = 1024 bytes, 1 GB = 1024 MB.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from types import MappingProxyType
from typing import Literal

BYTES_PER_GB = 1024**3
KB_PER_GB = 1024**2
HOURS_PER_MONTH = 730  # AWS's convention for turning hourly prices into monthly ones
DAYS_PER_MONTH = HOURS_PER_MONTH / 24

FreeTier = Literal["none", "always", "12 months"]
Architecture = Literal["x86_64", "arm64"]
ApiType = Literal["http", "rest"]


@dataclass(frozen=True)
class Price:
    """One published price: `usd` for every `per` `unit`s, with its monthly free allowance."""

    service: str
    item: str
    usd: float
    per: float
    unit: str
    source: str
    free_per_month: float = 0.0  # in `unit`s
    free_tier: FreeTier = "none"
    first_tier_up_to: float = math.inf  # in `unit`s per month; AWS charges less above it
    notes: str = ""

    @property
    def label(self) -> str:
        """The price as the AWS page writes it, e.g. "$0.20 per 1,000,000 requests"."""
        usd = f"{self.usd:.10f}".rstrip("0")
        usd += "0" * max(0, 2 - len(usd.partition(".")[2]))  # "$0.20", not "$0.2"
        per = "" if self.per == 1 else f"{self.per:,.0f} "
        return f"${usd} per {per}{self.unit}"


# Sources, one per service: open these to check or update a price below.
_LAMBDA = "https://aws.amazon.com/lambda/pricing/"
_APIGW = "https://aws.amazon.com/api-gateway/pricing/"
_DYNAMODB = "https://aws.amazon.com/dynamodb/pricing/on-demand/"
_S3 = "https://aws.amazon.com/s3/pricing/"
_CLOUDFRONT = "https://aws.amazon.com/cloudfront/pricing/"
_ROUTE53 = "https://aws.amazon.com/route53/pricing/"
_CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/"
_EC2 = "https://aws.amazon.com/ec2/pricing/on-demand/"
_VPC = "https://aws.amazon.com/vpc/pricing/"
_EBS = "https://aws.amazon.com/ebs/pricing/"
_NEW_ACCOUNTS = ("12-month offer: only accounts created before 2025-07-15, in their first year; "
                 "newer accounts get Free Tier credits instead (verify on the page).")


def _lambda_compute(architecture: Architecture, usd: float) -> Price:
    return Price("AWS Lambda", f"Compute ({architecture})", usd, 1, "GB-second", _LAMBDA,
                 free_per_month=400_000, free_tier="always", first_tier_up_to=6e9,
                 notes="Duration billed per 1 ms. Since 2025-08-01 the INIT phase is billed too "
                       "for on-demand ZIP functions on managed runtimes. The 400,000 free "
                       "GB-seconds are shared by both architectures.")


@dataclass(frozen=True)
class PriceTable:
    """Every price the cost model uses; change a number here and every notebook follows."""

    region: str
    checked: str
    lambda_requests: Price
    lambda_compute: Mapping[str, Price]  # by architecture
    api_requests: Mapping[str, Price]  # by API type: "http" or "rest"
    dynamodb_reads: Price
    dynamodb_writes: Price
    dynamodb_storage: Price
    s3_storage: Price
    s3_get: Price
    s3_put: Price
    cloudfront_data_out: Price
    cloudfront_requests: Price
    route53_zone: Price
    route53_queries: Price
    logs_ingestion: Price
    logs_storage: Price
    ec2_instances: Mapping[str, Price]
    public_ipv4: Price
    ebs_gp3: Price

    def rows(self) -> list[dict[str, object]]:
        """The price table as rows, for `display.table` in a notebook."""
        values = [getattr(self, f.name) for f in fields(self)]
        prices = [p for v in values if isinstance(v, Price | Mapping)
                  for p in (v.values() if isinstance(v, Mapping) else [v])]
        return [{"service": p.service, "item": p.item, "price": p.label,
                 "free per month": f"{p.free_per_month:,.10g} {p.unit} ({p.free_tier})"
                 if p.free_tier != "none" else "", "source": p.source, "notes": p.notes}
                for p in prices]


PRICES = PriceTable(
    region="us-east-1",
    checked="2026-11",
    lambda_requests=Price("AWS Lambda", "Requests", 0.20, 1e6, "requests", _LAMBDA,
                          free_per_month=1e6, free_tier="always"),
    lambda_compute=MappingProxyType({"x86_64": _lambda_compute("x86_64", 0.0000166667),
                                     "arm64": _lambda_compute("arm64", 0.0000133334)}),
    api_requests=MappingProxyType({
        "http": Price("Amazon API Gateway", "HTTP API requests", 1.00, 1e6, "requests", _APIGW,
                      free_per_month=1e6, free_tier="12 months", first_tier_up_to=300e6,
                      notes="Metered in 512 KB increments. " + _NEW_ACCOUNTS),
        "rest": Price("Amazon API Gateway", "REST API requests", 3.50, 1e6, "requests", _APIGW,
                      free_per_month=1e6, free_tier="12 months", first_tier_up_to=333e6,
                      notes="For comparison with HTTP APIs. " + _NEW_ACCOUNTS)}),
    dynamodb_reads=Price("Amazon DynamoDB", "Read request units (on-demand)", 0.125, 1e6, "RRU",
                         _DYNAMODB, notes="After the 2024-11-01 50% cut. 1 RRU = one strongly "
                         "consistent read up to 4 KB, or two eventually consistent ones."),
    dynamodb_writes=Price("Amazon DynamoDB", "Write request units (on-demand)", 0.625, 1e6, "WRU",
                          _DYNAMODB, notes="After the 2024-11-01 50% cut. 1 WRU = one write up to "
                          "1 KB. The free 25 RCU/WCU apply to provisioned mode only."),
    dynamodb_storage=Price("Amazon DynamoDB", "Storage", 0.25, 1, "GB-month", _DYNAMODB,
                           free_per_month=25, free_tier="always"),
    s3_storage=Price("Amazon S3", "Standard storage", 0.023, 1, "GB-month", _S3,
                     free_per_month=5, free_tier="12 months", first_tier_up_to=50 * 1024,
                     notes="Transfer from S3 to CloudFront is free. " + _NEW_ACCOUNTS),
    s3_get=Price("Amazon S3", "GET requests", 0.0004, 1000, "requests", _S3,
                 free_per_month=20_000, free_tier="12 months"),
    s3_put=Price("Amazon S3", "PUT requests", 0.005, 1000, "requests", _S3,
                 free_per_month=2_000, free_tier="12 months"),
    cloudfront_data_out=Price("Amazon CloudFront", "Data transfer out (North America/Europe)",
                              0.085, 1, "GB", _CLOUDFRONT, free_per_month=1024,
                              free_tier="always", first_tier_up_to=10 * 1024,
                              notes="We read the free 1 TB as 1024 GB (verify). The flat-rate "
                                    "plans launched in 2025 are not modelled (verify)."),
    cloudfront_requests=Price("Amazon CloudFront", "HTTPS requests", 0.0100, 10_000, "requests",
                              _CLOUDFRONT, free_per_month=10e6, free_tier="always"),
    route53_zone=Price("Amazon Route 53", "Hosted zone", 0.50, 1, "zone-month", _ROUTE53,
                       first_tier_up_to=25, notes="Not charged if deleted within 12 hours."),
    route53_queries=Price("Amazon Route 53", "Standard queries", 0.40, 1e6, "queries", _ROUTE53,
                          first_tier_up_to=1e9,
                          notes="Alias queries to a CloudFront distribution are free."),
    logs_ingestion=Price("Amazon CloudWatch Logs", "Ingestion", 0.50, 1, "GB", _CLOUDWATCH,
                         free_per_month=5, free_tier="always", first_tier_up_to=10 * 1024,
                         notes="Lambda logs are vended logs, cheaper above 10 TB (verify). The 5 GB"
                               " free is shared with storage and Insights; we give it to ingestion."),
    logs_storage=Price("Amazon CloudWatch Logs", "Storage", 0.03, 1, "GB-month", _CLOUDWATCH,
                       notes="Billed on compressed size; we use the raw size, so this is an "
                             "upper bound."),
    ec2_instances=MappingProxyType({  # on-demand Linux; the 12-month free tier is not modelled
        "t3.micro": Price("Amazon EC2", "t3.micro instance", 0.0104, 1, "hour", _EC2),
        "t4g.small": Price("Amazon EC2", "t4g.small instance", 0.0168, 1, "hour", _EC2)}),
    public_ipv4=Price("Amazon VPC", "Public IPv4 address", 0.005, 1, "hour", _VPC,
                      notes="Every public IPv4 address, in use or idle, since 2024-02-01."),
    ebs_gp3=Price("Amazon EBS", "gp3 volume", 0.08, 1, "GB-month", _EBS),
)


@dataclass(frozen=True)
class AppTraffic:
    """One month of the app's traffic. The defaults describe a small, read-heavy hobby app."""

    requests_per_month: float = 100_000  # /api/* calls: CloudFront → API Gateway → Lambda
    page_views_per_month: float = 10_000
    average_page_weight_kb: float = 500.0  # everything one page view downloads
    objects_per_page_view: int = 5  # HTML, CSS, JS, images: one CloudFront request each
    cache_hit_ratio: float = 0.9  # share of page objects CloudFront serves without asking S3
    api_payload_kb: float = 2.0  # one API response; also what HTTP APIs meter in 512 KB steps
    api_type: ApiType = "http"
    lambda_duration_ms: float = 100.0
    lambda_memory_mb: int = 128
    lambda_architecture: Architecture = "x86_64"
    lambda_init_ms: float = 300.0  # one cold start's INIT phase
    cold_start_fraction: float = 0.01  # share of invocations that start a new environment
    dynamodb_reads_per_request: float = 1.0  # read request units per reading API call
    dynamodb_writes_per_request: float = 1.0  # write request units per writing API call
    write_fraction: float = 0.1  # share of API calls that write; the rest read
    dynamodb_storage_gb: float = 0.1
    site_storage_gb: float = 0.05
    site_files: int = 20
    site_deploys_per_month: int = 4  # each deploy PUTs every site file
    log_bytes_per_invocation: float = 1024.0  # START/END/REPORT lines plus the handler's own
    log_retention_days: float = 7.0
    hosted_zones: int = 1
    dns_standard_queries_per_month: float = 0.0  # alias queries to CloudFront are free

    def __post_init__(self) -> None:
        _validate(self)

    def with_requests(self, requests_per_month: float) -> AppTraffic:
        """The same app with a different number of API calls; everything else stays."""
        return replace(self, requests_per_month=requests_per_month)


_FRACTIONS = ("cache_hit_ratio", "cold_start_fraction", "write_fraction")
_POSITIVE = ("lambda_duration_ms", "log_retention_days")
_CHOICES: dict[str, tuple[str, ...]] = {"lambda_architecture": ("x86_64", "arm64"),
                                        "api_type": ("http", "rest")}


def _validate(traffic: AppTraffic) -> None:
    for f in fields(traffic):
        name, value = f.name, getattr(traffic, f.name)
        where = f"AppTraffic({name}=...)"
        if name in _CHOICES:
            if value not in _CHOICES[name]:
                raise ValueError(f"{where}: {value!r} is not one of {_CHOICES[name]}; "
                                 f"pass one of those.")
        elif not isinstance(value, int | float) or isinstance(value, bool) \
                or not math.isfinite(value):
            raise ValueError(f"{where}: expected a finite number, got {value!r}.")
        elif name in _FRACTIONS and not 0 <= value <= 1:
            raise ValueError(f"{where}: {value!r} is a share, so it must be between 0 and 1 "
                             f"(e.g. 0.1 for 10%).")
        elif name in _POSITIVE and value <= 0:
            raise ValueError(f"{where}: must be more than zero, got {value!r}.")
        elif value < 0:
            raise ValueError(f"{where}: must be zero or more, got {value!r}; use 0 for none.")
    if not 128 <= traffic.lambda_memory_mb <= 10_240:
        raise ValueError(f"AppTraffic(lambda_memory_mb=...): Lambda allows 128 to 10240 MB, got "
                         f"{traffic.lambda_memory_mb!r}; 128 is the cheapest.")
    if traffic.lambda_duration_ms > 900_000:
        raise ValueError("AppTraffic(lambda_duration_ms=...): Lambda stops a function after "
                         "15 minutes (900000 ms); give a shorter duration.")


@dataclass(frozen=True)
class CostLine:
    """One line of the bill: how much of something, at what price, after the free allowance."""

    service: str
    item: str
    quantity: float
    unit: str
    unit_price_usd: float  # per one `unit`
    price: str  # as the AWS page writes it
    free_quantity: float
    cost_usd: float
    note: str = ""


@dataclass(frozen=True)
class CostBreakdown:
    """A month's bill, line by line; `total` is what you would pay."""

    lines: tuple[CostLine, ...]
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        return sum(line.cost_usd for line in self.lines)

    def rows(self) -> list[dict[str, object]]:
        """The lines as dicts, for `display.table` in a notebook."""
        return [asdict(line) for line in self.lines]

    def by_service(self) -> dict[str, float]:
        services = dict.fromkeys(line.service for line in self.lines)  # in bill order
        return {service: self.cost_of(service) for service in services}

    def cost_of(self, service: str, item: str | None = None) -> float:
        """The cost of one service, or of one of its items (matched by the item's first words)."""
        matching = [line for line in self.lines if line.service == service
                    and (item is None or line.item.startswith(item))]
        if not matching:
            known = sorted({(line.service, line.item) for line in self.lines})
            raise ValueError(f"No line for {service!r} {item or ''}; the bill has {known}.")
        return sum(line.cost_usd for line in matching)


class _Bill:
    """Collects lines, applying the free allowances the caller asked for."""

    def __init__(self, offers: set[str]) -> None:
        self.offers = offers
        self.lines: list[CostLine] = []
        self.warnings: list[str] = []

    def add(self, price: Price, quantity: float, note: str = "") -> None:
        free = min(quantity, price.free_per_month) if price.free_tier in self.offers else 0.0
        cost = (quantity - free) * price.usd / price.per
        self.lines.append(CostLine(price.service, price.item, quantity, price.unit,
                                   price.usd / price.per, price.label, free, cost, note))
        if quantity > price.first_tier_up_to:
            self.warnings.append(f"{price.service} {price.item}: {quantity:,.0f} {price.unit} is "
                                 f"past the first price tier ({price.first_tier_up_to:,.0f}); "
                                 f"AWS charges less above it, so this total is an upper bound.")

    def breakdown(self) -> CostBreakdown:
        return CostBreakdown(tuple(self.lines), tuple(self.warnings))


def _offers(free_tier: bool, twelve_month_offers: bool) -> set[str]:
    if twelve_month_offers and not free_tier:
        raise ValueError("twelve_month_offers=True adds the 12-month offers on top of the "
                         "always-free tier; pass free_tier=True as well.")
    return {"always", "12 months"} if twelve_month_offers else {"always"} if free_tier else set()


def monthly_cost(traffic: AppTraffic, *, free_tier: bool = False,
                 twelve_month_offers: bool = False, prices: PriceTable = PRICES) -> CostBreakdown:
    """The serverless app's monthly bill for `traffic`, service by service.

    free_tier applies the always-free allowances (Lambda, CloudFront, DynamoDB storage, logs);
    leave it off for an account whose allowances other workloads already use. twelve_month_offers
    also applies the 12-month offers (API Gateway, S3), which only older new accounts get.
    """
    bill = _Bill(_offers(free_tier, twelve_month_offers))
    t, p = traffic, prices
    page_objects = t.page_views_per_month * t.objects_per_page_view

    bill.add(p.route53_zone, t.hosted_zones)
    bill.add(p.route53_queries, t.dns_standard_queries_per_month)

    data_out_kb = t.page_views_per_month * t.average_page_weight_kb \
        + t.requests_per_month * t.api_payload_kb
    bill.add(p.cloudfront_data_out, data_out_kb / KB_PER_GB)
    bill.add(p.cloudfront_requests, page_objects + t.requests_per_month,
             note="page objects plus /api/* calls")

    bill.add(p.s3_storage, t.site_storage_gb)
    bill.add(p.s3_get, page_objects * (1 - t.cache_hit_ratio), note="CloudFront cache misses")
    bill.add(p.s3_put, t.site_files * t.site_deploys_per_month, note="site deploys")

    steps = max(1, math.ceil(t.api_payload_kb / 512)) if t.api_type == "http" else 1
    bill.add(p.api_requests[t.api_type], t.requests_per_month * steps,
             note=f"each call counts as {steps} requests (512 KB steps)" if steps > 1 else "")

    bill.add(p.lambda_requests, t.requests_per_month)
    gb = t.lambda_memory_mb / 1024
    cold_starts = t.requests_per_month * t.cold_start_fraction
    # Lambda rounds each invocation's duration, and each INIT phase, up to the next millisecond.
    invoke_gb_s = gb * math.ceil(t.lambda_duration_ms) / 1000 * t.requests_per_month
    init_gb_s = gb * math.ceil(t.lambda_init_ms) / 1000 * cold_starts
    bill.add(p.lambda_compute[t.lambda_architecture], invoke_gb_s + init_gb_s,
             note=f"includes {init_gb_s:,.1f} GB-s of INIT for {cold_starts:,.0f} cold starts")

    bill.add(p.dynamodb_reads,
             t.requests_per_month * (1 - t.write_fraction) * t.dynamodb_reads_per_request)
    bill.add(p.dynamodb_writes,
             t.requests_per_month * t.write_fraction * t.dynamodb_writes_per_request)
    bill.add(p.dynamodb_storage, t.dynamodb_storage_gb)

    ingested_gb = t.requests_per_month * t.log_bytes_per_invocation / BYTES_PER_GB
    bill.add(p.logs_ingestion, ingested_gb)
    # With a retention policy, the stored logs settle at `retention` worth of ingestion.
    bill.add(p.logs_storage, ingested_gb * t.log_retention_days / DAYS_PER_MONTH,
             note=f"steady state with {t.log_retention_days:g}-day retention")
    return bill.breakdown()


def ec2_monthly_cost(instance: str = "t3.micro", *, public_ipv4: bool = True, ebs_gb: float = 8,
                     prices: PriceTable = PRICES) -> CostBreakdown:
    """An always-on instance for a month: the instance, its public IPv4 address and its disk.

    Data transfer, DNS and backups are left out, so this is the cheapest the EC2 route can be.
    """
    if instance not in prices.ec2_instances:
        raise ValueError(f"No price for instance {instance!r}; choose one of "
                         f"{sorted(prices.ec2_instances)} or add it to PRICES.ec2_instances.")
    if not ebs_gb >= 0:
        raise ValueError(f"ebs_gb must be zero or more, got {ebs_gb!r}; 8 GB is a usual root disk.")
    bill = _Bill(offers=set())
    bill.add(prices.ec2_instances[instance], HOURS_PER_MONTH)
    bill.add(prices.public_ipv4, HOURS_PER_MONTH if public_ipv4 else 0)
    bill.add(prices.ebs_gp3, ebs_gb)
    return bill.breakdown()


def break_even_requests(traffic_template: AppTraffic, instance: str = "t3.micro", *,
                        free_tier: bool = False, twelve_month_offers: bool = False,
                        public_ipv4: bool = True, ebs_gb: float = 8, upper: float = 1e11,
                        prices: PriceTable = PRICES) -> float | None:
    """API calls per month at which the serverless app costs as much as the EC2 instance.

    Only `requests_per_month` varies; the rest of the template stays. Returns 0.0 if serverless
    already costs more with no calls at all, and None if it stays cheaper up to `upper` calls.
    """
    ec2 = ec2_monthly_cost(instance, public_ipv4=public_ipv4, ebs_gb=ebs_gb, prices=prices).total

    def gap(requests: float) -> float:
        serverless = monthly_cost(traffic_template.with_requests(requests), free_tier=free_tier,
                                  twelve_month_offers=twelve_month_offers, prices=prices)
        return serverless.total - ec2

    if gap(0) >= 0:
        return 0.0
    if gap(upper) < 0:
        return None
    # Cost only grows with traffic, so bisection converges; stop within half a request.
    low, high = 0.0, float(upper)
    while high - low > 0.5:
        middle = (low + high) / 2
        low, high = (middle, high) if gap(middle) < 0 else (low, middle)
    return high


def cost_curve(traffic_template: AppTraffic, requests_values: Iterable[float], *,
               free_tier: bool = False, twelve_month_offers: bool = False,
               prices: PriceTable = PRICES) -> list[tuple[float, float]]:
    """(API calls per month, serverless monthly cost) pairs, ready for a matplotlib line."""
    return [(requests, monthly_cost(traffic_template.with_requests(requests), free_tier=free_tier,
                                    twelve_month_offers=twelve_month_offers, prices=prices).total)
            for requests in requests_values]
